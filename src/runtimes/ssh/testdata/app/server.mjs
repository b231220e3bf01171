// A dependency-free HTTP service for the ssh runtime's tests, run on namespace hosts. Listens on
// 0.0.0.0:$PORT (so a load balancer outside the host reaches it).
//   GET /         → "<release> <instance>" (release: $SLIPWAY_RELEASE)
//   GET /healthz  → 200, or 503 when FAIL_READINESS=1 or for its first READY_AFTER_MS
//   GET anything else → 500 when BROKEN=1 (ready, but not working: what a verification catches)
// With LOG_EVERY_MS, prints "tick <n>" that often.
import { createServer } from 'node:http';

const env = process.env;
const started = Date.now();
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(env.FAIL_READINESS === '1' || Date.now() - started < Number(env.READY_AFTER_MS ?? 0) ? 503 : 200).end();
    return;
  }
  res.writeHead(env.BROKEN === '1' ? 500 : 200, { 'content-type': 'text/plain' }).end(`${env.SLIPWAY_RELEASE} ${env.SLIPWAY_INSTANCE}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
server.listen(Number(env.PORT), '0.0.0.0', () => console.log(`release ${env.SLIPWAY_RELEASE} listening on ${env.PORT}`));
if (env.LOG_EVERY_MS) {
  let n = 0;
  setInterval(() => console.log(`tick ${++n}`), Number(env.LOG_EVERY_MS));
}
