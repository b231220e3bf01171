import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpProbe } from './probe.js';

describe('httpProbe', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('sends the probe headers with the request', async () => {
    let seen: IncomingHttpHeaders = {};
    const server = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(req.headers['x-probe'] === 'yes' ? 200 : 403).end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(await httpProbe(port, '/ready', 1000, [{ name: 'X-Probe', value: 'yes' }])).toBe(true);
    expect(seen['x-probe']).toBe('yes');
    expect(await httpProbe(port, '/ready', 1000)).toBe(false);
  });
});
