// The orders example service: answers /healthz once listening on PORT_HTTP.
import { createServer } from 'node:http';

const port = Number(process.env.PORT_HTTP ?? process.env.PORT ?? 8080);
createServer((request, response) => {
  if (request.url === '/healthz') return void response.end('ok\n');
  response.end(`${process.env.SERVICE_NAME ?? 'orders'} of ${process.env.TEAM ?? 'nobody'}\n`);
}).listen(port, '127.0.0.1');
