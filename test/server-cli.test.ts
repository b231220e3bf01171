/**
 * `slipway server` as an operator runs it: a token made with `slipway token create`, the HTTP API
 * answering with it (and refusing without it, or outside its environments), the actor recorded as
 * the token's name, and the CLI still working beside the server through its control socket.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, killPids, processesUnder, runCli, startCli, type RunningCli } from './helpers/cli.js';

const project = copyExample('quickstart');
const cli = (...args: string[]) => runCli(['--project', project.dir, ...args]);
let server: RunningCli;
let url: string;
let token: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

const api = (path: string, init: RequestInit = {}, bearer: string | null = token) =>
  fetch(`${url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }), ...init.headers } });

beforeAll(async () => {
  const created = await cli('token', 'create', 'ci-bot', '--role', 'deployer', '-e', 'dev', '--json');
  expect(created.code).toBe(0);
  token = (JSON.parse(created.stdout) as { secret: string }).secret;
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = startCli(['--project', project.dir, 'server', '--port', String(port)]);
  await server.waitFor('Slipway serves');
});

afterAll(async () => {
  await cli('down');
  await server?.stop();
  killPids(processesUnder(project.dir));
  project.cleanup();
});

describe('slipway server', () => {
  it('shows a new token once, and lists it without its secret', async () => {
    expect(token).toMatch(/^slw_/);
    const list = await cli('token', 'list', '--json');
    expect(list.stdout).toContain('ci-bot');
    expect(list.stdout).not.toContain(token);
  });

  it('answers health without a token, refuses the API without one', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await api('/api/v1/status', {}, null)).status).toBe(401);
    expect((await api('/api/v1/status', {}, 'slw_not-a-token')).status).toBe(401);
  });

  it('deploys with the token in its environment, as the token, and refuses outside it', async () => {
    const deployed = await api('/api/v1/deployments', { method: 'POST', body: JSON.stringify({ service: 'api', environment: 'dev' }) });
    expect(deployed.status).toBe(200);
    expect(((await deployed.json()) as { result: string }).result).toBe('deployed');
    const refused = await api('/api/v1/deployments', { method: 'POST', body: JSON.stringify({ service: 'api', environment: 'staging' }) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/only in dev/);
    const events = JSON.parse((await cli('events', '--json')).stdout) as { type: string; actor: string }[];
    expect(events.find((e) => e.type === 'deployment.succeeded')?.actor).toBe('ci-bot');
  });

  it('serves the CLI from anywhere with SLIPWAY_URL and SLIPWAY_TOKEN, with the token\'s rights', async () => {
    const elsewhere = { cwd: '/', env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: token } };
    const status = await runCli(['status', '--json'], elsewhere);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { service: string }[]).map((r) => r.service)).toContain('api');
    const refused = await runCli(['deploy', 'api', '--env', 'staging'], elsewhere);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/only in dev/);
    const anonymous = await runCli(['status'], { cwd: '/', env: { SLIPWAY_URL: url } });
    expect(anonymous.code).toBe(5);
  });

  it('lets the CLI work beside the server, through its control socket', async () => {
    const status = JSON.parse((await cli('status', '--json')).stdout) as { service: string; environment: string; release?: string; health: string }[];
    expect(status.find((r) => r.service === 'api' && r.environment === 'dev')).toMatchObject({ release: 'v1', health: 'healthy' });
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/status', '/api/v1/deployments', '/api/v1/promotions']));
  });
});
