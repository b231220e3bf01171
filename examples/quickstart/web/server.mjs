// The quickstart's front: calls the API (API_URL) and shows what it answered.
// /healthz reports its own health only, so that it does not go down with the API.
import http from 'node:http';

const port = Number(process.env.PORT ?? 8081);
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:8080';

const server = http.createServer(async (req, res) => {
  if (req.url === '/healthz') {
    res.end('ok\n');
    return;
  }
  try {
    const answer = await fetch(apiUrl, { signal: AbortSignal.timeout(2000) });
    const body = await answer.json();
    res.setHeader('content-type', 'text/plain');
    res.end(`web in ${process.env.SLIPWAY_ENVIRONMENT ?? 'local'} asked the api: ${body.greeting ?? body.error} from ${body.service} ${body.release}\n`);
  } catch (error) {
    res.statusCode = 502;
    res.end(`the api at ${apiUrl} did not answer: ${error.message}\n`);
  }
});

server.listen(port, '127.0.0.1', () => console.log(`web listening on ${port}, api at ${apiUrl}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
