import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { runHttpCheck } from './http-check.js';
import { HttpCheck, type Endpoint } from './types.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A loopback server answering each request with the next status of `statuses` (the last repeats). */
async function serve(statuses: number[]): Promise<{ url: string; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.statusCode = statuses[Math.min(paths.length, statuses.length) - 1]!;
    res.end(res.statusCode === 200 ? 'ok\n' : `{"error":"status ${res.statusCode}"}\n`);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, port, paths };
}

function run(fields: Partial<HttpCheck>, endpoints: readonly Endpoint[]) {
  const clock = manualClock(0);
  return runHttpCheck(HttpCheck.parse(fields), endpoints, { clock }).then((result) => ({ result, clock }));
}

describe('runHttpCheck', () => {
  it('passes when every endpoint answers the expected status on its path', async () => {
    const [a, b] = [await serve([200]), await serve([200])];
    const { result } = await run({ path: '/healthz' }, [a.url, b.url]);
    expect(result).toEqual({ name: 'GET /healthz', kind: 'http', outcome: 'passed', passed: true, message: 'GET /healthz answered 200 on 2 endpoints' });
    expect([a.paths, b.paths]).toEqual([['/healthz'], ['/healthz']]);
  });

  it('retries a failing endpoint, waiting the interval by the clock, and passes when it recovers', async () => {
    const flaky = await serve([503, 503, 200]);
    const { result, clock } = await run({ attempts: 3, intervalSeconds: 2 }, [flaky.url]);
    expect(result.passed).toBe(true);
    expect(flaky.paths).toHaveLength(3);
    expect(clock.sleeps).toEqual([2_000, 2_000]);
  });

  it('fails after its attempts, naming the endpoint, the status, the body and the expectation', async () => {
    const [good, bad] = [await serve([200]), await serve([500])];
    const { result } = await run({ name: 'home', attempts: 2 }, [good.url, bad.url]);
    expect(result).toMatchObject({ name: 'home', outcome: 'failed', passed: false });
    expect(result.message).toBe(`home: GET / (1 of 2 endpoints failed): ${bad.url}/ answered 500, expected 200: {"error":"status 500"} (2 attempts)`);
  });

  it('accepts any status of a list', async () => {
    const redirecting = await serve([204]);
    expect((await run({ expectStatus: [200, 204] }, [redirecting.url])).result.message).toBe('GET / answered 200 or 204 on 1 endpoint');
    expect((await run({ expectStatus: 200, attempts: 1 }, [redirecting.url])).result.passed).toBe(false);
  });

  it('uses the port the check names: a number on the endpoint’s host, or a name from the endpoint’s ports', async () => {
    const [main, admin] = [await serve([404]), await serve([200])];
    expect((await run({ port: admin.port, attempts: 1 }, [main.url])).result.passed).toBe(true);
    const named = { url: main.url, ports: { admin: admin.port } };
    expect((await run({ port: 'admin', attempts: 1 }, [named])).result).toMatchObject({ name: 'GET / on port admin', passed: true });
    expect((await run({ port: 'metrics', attempts: 1 }, [named])).result.message).toBe(`GET / on port metrics: ${main.url} has no port named "metrics"`);
    expect(admin.paths).toHaveLength(2);
  });

  it('reports an endpoint nobody listens on as unreachable, not as a crash', async () => {
    const gone = await serve([200]);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const { result } = await run({ attempts: 2 }, [gone.url]);
    expect(result.message).toBe(`GET /: ${gone.url}/ could not be reached: ECONNREFUSED (2 attempts)`);
  });

  it('fails when there is no endpoint to check', async () => {
    expect((await run({}, [])).result).toMatchObject({ passed: false, message: 'GET /: no endpoints to check' });
  });
});
