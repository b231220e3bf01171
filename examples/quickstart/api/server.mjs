// The quickstart's API: a dependency-free HTTP service with the endpoints a deployment tool
// looks at. GET / answers JSON; /healthz is its probe; /metrics is Prometheus text.
// ERROR_RATE (0..1) makes that share of GET / answer 500, to try verification and rollback.
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const errorRate = Number(process.env.ERROR_RATE ?? 0);
const identity = {
  service: process.env.SLIPWAY_SERVICE ?? 'api',
  environment: process.env.SLIPWAY_ENVIRONMENT ?? 'local',
  release: process.env.SLIPWAY_RELEASE ?? 'dev',
  greeting: process.env.GREETING ?? 'hello',
};
const requests = new Map(); // status code → count
const started = Date.now();

function count(code) {
  requests.set(code, (requests.get(code) ?? 0) + 1);
}

function metrics() {
  const lines = [
    '# HELP http_requests_total Requests answered, by status code.',
    '# TYPE http_requests_total counter',
    ...[...requests].map(([code, n]) => `http_requests_total{code="${code}"} ${n}`),
    '# HELP process_uptime_seconds Seconds since the process started.',
    '# TYPE process_uptime_seconds gauge',
    `process_uptime_seconds ${(Date.now() - started) / 1000}`,
  ];
  return lines.join('\n') + '\n';
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok\n');
    return;
  }
  if (req.url === '/metrics') {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(metrics());
    return;
  }
  const failed = Math.random() < errorRate;
  const code = failed ? 500 : 200;
  count(code);
  res.statusCode = code;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(failed ? { error: 'injected failure' } : identity) + '\n');
  console.log(`${req.method} ${req.url} ${code}`); // probes and metrics scrapes are not logged
});

server.listen(port, '127.0.0.1', () => console.log(`api ${identity.release} listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
