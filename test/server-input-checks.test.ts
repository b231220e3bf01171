/**
 * Every parameter of the HTTP API is checked before it reaches SQL: a NUL (or another control
 * character) in a query filter, a path parameter, a version in a body or a secret name is
 * answered 4xx, and the server logs nothing of it. A real workspace (null target), a real token
 * store (PGlite), a real server on 127.0.0.1.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalOperations, Workspace } from '../src/engine/index.js';
import { startHttpServer, type HttpServer } from '../src/server/index.js';
import { apiTokensMigration, KyselyTokenStore, type TokenTables } from '../src/store/token-store.js';
import { projectDir, removeProject } from './helpers/projects.js';

/** Text that must appear in no log line: it rides along with every bad parameter. */
const MARK = 'zq-marker';
const dir = projectDir('server-input-checks', []);
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: checks
services:
  shop:
    workload: { command: node }
environments:
  dev: { targets: [nowhere] }
targets:
  nowhere: { runtime: 'null' }
`,
);

let ws: Workspace;
let server: HttpServer;
let tokenDb: Kysely<TokenTables>;
let admin: string;
/** Everything the server told its log: its onError, and anything written to stderr or the console. */
const logged: string[] = [];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; code?: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${admin}`, ...(body !== undefined && { 'content-type': 'application/json' }) };
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: answer.error?.code };
}

beforeAll(async () => {
  tokenDb = new Kysely<TokenTables>({ dialect: new PGliteDialect({ pglite: new PGlite() }) });
  await apiTokensMigration.up(tokenDb);
  const tokens = new KyselyTokenStore(tokenDb);
  admin = (await tokens.createToken({ name: 'admin', role: 'admin', createdBy: 'test' })).secret;
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  const ops = new LocalOperations(ws, { drive: 'inline', onClose: async () => {} });
  server = await startHttpServer(ops, { tokens, onError: (error) => logged.push(String(error), JSON.stringify(error, Object.getOwnPropertyNames(error))) });
  for (const method of ['error', 'warn', 'log'] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
});

beforeEach(() => void (logged.length = 0));

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
  await tokenDb?.destroy();
  await removeProject(dir, ws);
});

describe('parameters with a NUL', () => {
  it.each([
    ['a query filter', 'GET', `/api/v1/events?service=%00${MARK}`],
    ['another query filter', 'GET', `/api/v1/events?environment=dev%00${MARK}`],
    ['a path parameter', 'GET', `/api/v1/services/shop%00${MARK}/releases`],
    ['a path parameter of a write', 'POST', `/api/v1/environments/dev%00${MARK}/resources/apply`, {}],
    ['a version in a body', 'POST', '/api/v1/services/shop/releases', { version: `v1\u0000${MARK}` }],
    ['a version to promote', 'POST', '/api/v1/promotions', { service: 'shop', version: `v1\u0000${MARK}` }],
    ['a secret name', 'PUT', `/api/v1/secrets/db%00${MARK}`, { value: 'x' }],
    ['a secret name to remove', 'DELETE', `/api/v1/secrets/db%00${MARK}`],
    ['a token name', 'POST', '/api/v1/tokens', { name: `ci\u0000${MARK}`, role: 'viewer' }],
  ])('in %s is answered 4xx, and nothing of it is logged', async (_what, method, path, body?: unknown) => {
    const answer = await call(method, path, body);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(logged).toEqual([]);
  });

  it('is refused in a version however long, and an escape sequence in a version too', async () => {
    expect(await call('POST', '/api/v1/services/shop/releases', { version: '\u001b[2J' })).toEqual({ status: 422, code: 'invalid-request' });
    expect(await call('POST', '/api/v1/services/shop/releases', { version: `v${'1'.repeat(200)}` })).toEqual({ status: 422, code: 'invalid-request' });
    expect(await call('GET', `/api/v1/events?afterSeq=${'9'.repeat(30)}`)).toMatchObject({ status: 422 });
    expect(logged).toEqual([]);
  });

  it('still answers good parameters', async () => {
    expect(await call('POST', '/api/v1/services/shop/releases', { version: '1.2.3-rc.1+build.5' })).toEqual({ status: 201, code: undefined });
    expect(await call('PUT', '/api/v1/secrets/db.password_1', { value: 'x' })).toEqual({ status: 200, code: undefined });
  });
});
