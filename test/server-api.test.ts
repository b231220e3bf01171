/**
 * The HTTP API against a real workspace (the quickstart api on the process runtime), a real
 * token store (PGlite) and a real server on 127.0.0.1: every route's happy path, its 401, 403,
 * 404, 409 and 422 answers, environment scopes, approval groups, the event stream, metrics, and
 * that a secret set through the API never appears in any answer.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalOperations, Workspace } from '../src/engine/index.js';
import { Reconciler } from '../src/converge/index.js';
import { startHttpServer, routes, type HttpServer } from '../src/server/index.js';
import { apiTokensMigration, KyselyTokenStore, type Role, type TokenTables } from '../src/store/token-store.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const SECRET_VALUE = `hunter2-${Math.random().toString(36).slice(2)}-never-shown`;

const dir = projectDir('server-api');
writeFileSync(
  join(dir, 'policy.yaml'),
  `owner: security
environments:
  prod:
    constraints:
      approvals: { count: 1, groups: [sre] }
  vault:
    constraints:
      freezeWindows: [{ name: forever, from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z" }]
`,
);
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: api-test
layers: [policy.yaml]
services:
  api:
    owner: team-api
${API_WORKLOAD}
environments:
  dev: { targets: [local] }
  staging: { promotesFrom: [dev], targets: [local] }
  prod: { promotesFrom: [staging], targets: [local] }
  vault: { promotesFrom: [dev], targets: [local] }
targets:
  local: { runtime: process }
`,
);

/** Every answer body any route gave, to search for the secret at the end. */
const answers: string[] = [];
let ws: Workspace;
let server: HttpServer;
let openReads: HttpServer;
let tokens: KyselyTokenStore;
let tokenDb: Kysely<TokenTables>;
const secretOf: Partial<Record<string, string>> = {};

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  json<T = Record<string, unknown>>(): T;
}

/** One request; `as` names the token to send (none when absent). */
async function call(method: string, path: string, options: { as?: string; body?: unknown; raw?: string; headers?: Record<string, string>; base?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) headers.authorization = `Bearer ${secretOf[options.as] ?? options.as}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${options.base ?? server.url}${path}`, { method, headers, body });
  const text = await res.text();
  answers.push(text, JSON.stringify([...res.headers]));
  return { status: res.status, text, headers: res.headers, json: <T,>() => JSON.parse(text) as T };
}

const get = (path: string, as = 'viewer') => call('GET', path, { as });
const post = (path: string, as: string, body: unknown = {}) => call('POST', path, { as, body });

/** Server-sent events from `path` until `until` is satisfied by the events so far. */
async function readEvents(path: string, until: (events: { id?: string; data: string }[]) => boolean, options: { headers?: Record<string, string>; onOpen?: () => Promise<unknown> } = {}) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${secretOf.viewer}`, ...options.headers }, signal: abort.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: { id?: string; data: string }[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  await options.onOpen?.();
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      answers.push(decoder.decode(value));
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        const id = block.split('\n').find((l) => l.startsWith('id: '))?.slice(4);
        if (data) events.push({ id, data });
      }
    }
  } finally {
    abort.abort();
  }
  return events;
}

beforeAll(async () => {
  tokenDb = new Kysely<TokenTables>({ dialect: new PGliteDialect({ pglite: new PGlite() }) });
  await apiTokensMigration.up(tokenDb);
  tokens = new KyselyTokenStore(tokenDb);
  const make = async (name: string, role: Role, environments: string[] = [], groups: string[] = []) => {
    secretOf[name] = (await tokens.createToken({ name, role, environments, groups, createdBy: 'test' })).secret;
  };
  await make('admin', 'admin');
  await make('viewer', 'viewer');
  await make('deployer', 'deployer');
  await make('dev-deployer', 'deployer', ['dev']);
  await make('sam', 'approver', ['prod', 'vault'], ['sre']);
  await make('alice', 'approver', [], []);
  await make('boss', 'admin', [], ['sre']);
  await make('staging-approver', 'approver', ['staging'], ['sre']);

  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  const reconciler = new Reconciler(ws);
  const ops = new LocalOperations(ws, { drive: 'inline', drift: () => reconciler.drift(), onClose: async () => {} });
  server = await startHttpServer(ops, { tokens, pollMs: 50, bodyLimit: 64 * 1024 });
  openReads = await startHttpServer(ops, { tokens, allowAnonymousReads: true });
});

afterAll(async () => {
  await server?.close();
  await openReads?.close();
  await tokenDb?.destroy();
  await removeProject(dir, ws);
});

describe('the HTTP API', () => {
  it('answers health and readiness without a token, and serves an OpenAPI document listing every route', async () => {
    expect((await call('GET', '/healthz')).json()).toEqual({ ok: true });
    expect((await call('GET', '/readyz')).json()).toEqual({ ready: true });
    const doc = (await call('GET', '/openapi.json')).json<{ openapi: string; paths: Record<string, Record<string, { operationId: string }>> }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const [name, route] of Object.entries(routes)) expect(doc.paths[route.path]?.[route.method.toLowerCase()]?.operationId, name).toBe(name);
  });

  it('answers 401 without a token or with a bad one, and reads anonymously only where the operator allows it', async () => {
    const none = await call('GET', '/api/v1/status');
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'unauthenticated', message: expect.stringContaining('Bearer') } });
    expect((await call('GET', '/api/v1/status', { as: 'slw_made-up' })).status).toBe(401);
    expect((await call('GET', '/api/v1/status', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await call('GET', '/api/v1/status', { base: openReads.url })).status).toBe(200);
    const write = await call('POST', '/api/v1/deployments', { base: openReads.url, body: { service: 'api', environment: 'dev' } });
    expect(write.status).toBe(401);
  });

  it('refuses a viewer that deploys, and a deployer scoped to dev outside dev (403)', async () => {
    const viewer = await post('/api/v1/deployments', 'viewer', { service: 'api', environment: 'dev' });
    expect(viewer.status).toBe(403);
    expect(viewer.json()).toMatchObject({ error: { code: 'forbidden', message: 'viewer has the viewer role; deploy a service into an environment needs deployer or admin' } });
    const scoped = await post('/api/v1/deployments', 'dev-deployer', { service: 'api', environment: 'staging' });
    expect(scoped.status).toBe(403);
    expect(scoped.json<{ error: { message: string } }>().error.message).toBe('dev-deployer may act only in dev, not in staging');
    expect((await post('/api/v1/down', 'dev-deployer', {})).status).toBe(403);
  });

  it('deploys, recording the token as the actor whatever the body says', async () => {
    const res = await post('/api/v1/deployments', 'dev-deployer', { service: 'api', environment: 'dev', actor: 'mallory' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ result: 'deployed', release: { version: 'v1' } });
    const events = (await get('/api/v1/events?service=api&environment=dev')).json<{ type: string; actor: string }[]>();
    expect(events.filter((e) => e.type === 'deployment.succeeded').map((e) => e.actor)).toEqual(['dev-deployer']);
    expect(events.some((e) => e.actor === 'mallory')).toBe(false);
  });

  it('tells callers who they are, and reads one deployment with its steps', async () => {
    expect((await get('/api/v1/whoami', 'sam')).json()).toEqual({ name: 'sam', role: 'approver', environments: ['prod', 'vault'], groups: ['sre'] });
    expect((await call('GET', '/api/v1/whoami', { base: openReads.url })).json()).toEqual({ anonymous: true });
    const history = (await get('/api/v1/services/api/history')).json<{ deployments: { id: string }[] }>();
    const detail = (await get(`/api/v1/deployments/${history.deployments[0]!.id}`)).json<{ status: string; steps: { kind: string; status: string }[] }>();
    expect(detail.status).toBe('succeeded');
    expect(detail.steps.length).toBeGreaterThan(0);
    expect(detail.steps.every((step) => step.status === 'succeeded')).toBe(true);
    expect((await get('/api/v1/deployments/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/api/v1/deployments/not-an-id')).status).toBe(422);
  });

  it('streams deployment progress as NDJSON when asked', async () => {
    appendFileSync(join(dir, 'api', 'server.mjs'), '\n// second release\n');
    const res = await call('POST', '/api/v1/deployments', { as: 'deployer', body: { service: 'api', environment: 'dev' }, headers: { accept: 'application/x-ndjson' } });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { progress?: string; outcome?: { result: string } });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((l) => typeof l.progress === 'string')).toBe(true);
    expect(lines.at(-1)!.outcome).toMatchObject({ result: 'deployed', release: { version: 'v2' } });
  });

  it('answers 404 for unknown things, 409 for conflicts, 422 for invalid input, 400/413/415 for unreadable bodies', async () => {
    expect((await post('/api/v1/deployments', 'deployer', { service: 'nope', environment: 'dev' })).json()).toMatchObject({ error: { code: 'not-found', message: 'service "nope" not found' } });
    expect((await get('/api/v1/services/api/explain?environment=moon')).status).toBe(404);
    expect((await get('/api/v1/no-such-route')).status).toBe(404);
    const gated = await post('/api/v1/deployments', 'deployer', { service: 'api', environment: 'prod' });
    expect([gated.status, gated.json<{ error: { code: string } }>().error.code]).toEqual([409, 'gated']);
    const missing = await post('/api/v1/deployments', 'deployer', { service: 'api' });
    expect(missing.status).toBe(422);
    expect(missing.json()).toMatchObject({ error: { code: 'invalid-request', message: 'the request is not valid: "environment" is required' } });
    const extra = await post('/api/v1/deployments', 'deployer', { service: 'api', environment: 'dev', verison: 'v3' });
    expect(extra.json<{ error: { message: string } }>().error.message).toContain('unknown field "verison"');
    expect((await get('/api/v1/events?limit=many')).status).toBe(422);
    expect((await call('POST', '/api/v1/deployments', { as: 'deployer', raw: '{"service": ' })).status).toBe(400);
    expect((await call('POST', '/api/v1/deployments', { as: 'deployer', raw: JSON.stringify({ service: 'x'.repeat(100_000) }) })).status).toBe(413);
    expect((await call('POST', '/api/v1/deployments', { as: 'deployer', raw: '<service/>', headers: { 'content-type': 'application/xml' } })).status).toBe(415);
    expect((await call('POST', '/api/v1/deployments', { as: 'deployer', raw: '"api"', headers: { 'content-type': 'application/json' } })).status).toBe(422);
    expect((await post('/api/v1/rollbacks', 'deployer', { service: 'api', environment: 'staging' })).status).toBe(409);
  });

  it('reads: status, preview, explain, events with filters, history, releases, drift, resources', async () => {
    const status = (await get('/api/v1/status')).json<{ service: string; environment: string; release?: string }[]>();
    expect(status.find((r) => r.environment === 'dev')?.release).toBe('v2');
    expect((await get('/api/v1/preview?environment=staging')).json()).toHaveProperty('steps');
    expect((await get('/api/v1/services/api/explain?environment=prod')).status).toBe(200);
    const events = (await get('/api/v1/events?afterSeq=1&limit=2')).json<{ seq: number }[]>();
    expect(events.map((e) => e.seq)).toEqual([2, 3]);
    expect((await get('/api/v1/services/api/history')).json<{ deployments: unknown[] }>().deployments).toHaveLength(2);
    expect((await get('/api/v1/services/api/releases')).json<{ version: string; environments: string[] }[]>()[0]).toMatchObject({ version: 'v2', environments: ['dev'] });
    expect(Array.isArray((await get('/api/v1/drift')).json())).toBe(true);
    expect((await get('/api/v1/environments/dev/resources')).json()).toEqual([]);
  });

  it('lists services, environments and targets, the targets with what runs on them', async () => {
    expect((await get('/api/v1/services')).json()).toEqual([{ name: 'api', owner: 'team-api', buildable: false }]);
    const environments = (await get('/api/v1/environments')).json<{ name: string; promotesFrom: string[]; targets: string[] }[]>();
    expect(environments.map((e) => [e.name, e.promotesFrom, e.targets])).toEqual([
      ['dev', [], ['local']],
      ['staging', ['dev'], ['local']],
      ['prod', ['staging'], ['local']],
      ['vault', ['dev'], ['local']],
    ]);
    const [local] = (await get('/api/v1/targets')).json<{ name: string; runtime: string; environments: string[]; reachable: boolean; units: number }[]>();
    expect(local).toMatchObject({ name: 'local', runtime: 'process', environments: ['dev', 'staging', 'prod', 'vault'], reachable: true, units: expect.any(Number) });
    expect(local!.units).toBeGreaterThan(0);
    expect((await call('GET', '/api/v1/targets')).status).toBe(401);
  });

  it('streams new events as server-sent events, and resumes after Last-Event-ID', async () => {
    const fresh = await readEvents('/api/v1/events/stream', (events) => events.some((e) => JSON.parse(e.data).type === 'converge.paused'), {
      onOpen: () => post('/api/v1/convergence', 'deployer', { service: 'api', environment: 'dev', paused: true, reason: 'looking' }),
    });
    const paused = fresh.find((e) => JSON.parse(e.data).type === 'converge.paused')!;
    expect(JSON.parse(paused.data)).toMatchObject({ actor: 'deployer', service: 'api' });
    const seq = Number(paused.id);
    expect(seq).toBe(JSON.parse(paused.data).seq);
    expect((await post('/api/v1/convergence', 'deployer', { service: 'api', environment: 'dev', paused: false })).json()).toEqual({ service: 'api', environment: 'dev', paused: false });
    const resumed = await readEvents('/api/v1/events/stream', (events) => events.length >= 1, { headers: { 'last-event-id': String(seq) } });
    expect(JSON.parse(resumed[0]!.data)).toMatchObject({ seq: seq + 1, type: 'converge.resumed' });
  });

  it('serves logs as NDJSON and as server-sent events', async () => {
    const ndjson = await get('/api/v1/services/api/logs?environment=dev&tail=5');
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = ndjson.text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { instance: string; line: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toHaveProperty('instance');
    const sse = await readEvents('/api/v1/services/api/logs?environment=dev&tail=1', (events) => events.length > 0);
    expect(JSON.parse(sse[0]!.data)).toHaveProperty('line');
    expect((await get('/api/v1/services/api/logs?environment=moon')).status).toBe(404);
  });

  it('promotes, and counts an approval only for the groups of the approving token', async () => {
    const toStaging = await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'staging' });
    expect(toStaging.json()).toMatchObject({ status: 'succeeded' });
    expect((await post('/api/v1/promotions', 'dev-deployer', { service: 'api' })).status).toBe(403);
    expect((await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'prod' })).json()).toMatchObject({ status: 'waiting' });
    const choices = async (as: string) => new Map((await get('/api/v1/services/api/actions?environment=prod', as)).json<{ action: string; blocked?: string; plan: string[]; request?: unknown }[]>().map((c) => [c.action, c]));
    const forSam = await choices('sam');
    expect(forSam.get('approve')).toMatchObject({ plan: [expect.stringMatching(/^approve api v\d into prod \(promotion started by deployer\)$/), expect.stringContaining('approval'), expect.any(String)], request: { service: 'api', environment: 'prod', approved: true } });
    expect(forSam.get('approve')!.blocked).toBeUndefined();
    expect(forSam.get('deploy')!.blocked).toBe('sam has the approver role; deploy a service into an environment needs deployer or admin');
    expect((await choices('admin')).get('deploy')!.blocked).toMatch(/^prod is gated \(it waits for 1 approval from sre\): releases enter it by promotion$/);
    const forViewer = await choices('viewer');
    expect(forViewer.get('approve')).toMatchObject({ blocked: 'viewer has the viewer role; approve or reject the promotion waiting at an environment needs approver or admin' });
    expect(forViewer.get('approve')!.request).toBeUndefined();
    expect((await choices('staging-approver')).get('approve')!.blocked).toBe('staging-approver may act only in staging, not in prod');
    expect((await get('/api/v1/services/api/actions?environment=moon', 'sam')).status).toBe(404);
    expect((await post('/api/v1/decisions', 'deployer', { service: 'api', environment: 'prod', approved: true })).status).toBe(403);
    expect((await post('/api/v1/decisions', 'staging-approver', { service: 'api', environment: 'prod', approved: true })).status).toBe(403);
    const alice = await post('/api/v1/decisions', 'alice', { service: 'api', environment: 'prod', approved: true, groups: ['sre'] });
    expect([alice.status, alice.json<{ error: { message: string } }>().error.message]).toEqual([403, 'alice has no groups; decisions on prod count only from group sre']);
    expect((await choices('alice')).get('approve')!.blocked).toBe('alice has no groups; decisions on prod count only from group sre');
    const sam = await post('/api/v1/decisions', 'sam', { service: 'api', environment: 'prod', approved: true, comment: 'ok' });
    expect(sam.json()).toMatchObject({ status: 'succeeded' });
    const approvals = (await get('/api/v1/events?environment=prod')).json<{ type: string; actor: string }[]>().filter((e) => e.type === 'promotion.approved');
    expect(approvals.map((e) => e.actor)).toEqual(['sam']);
    expect((await post('/api/v1/decisions', 'sam', { service: 'api', environment: 'prod', approved: true })).status).toBe(404);
  });

  it('pauses and cancels a promotion, and overrides a freeze', async () => {
    expect((await post('/api/v1/services/api/promotion/resume', 'deployer')).status).toBe(404);
    expect((await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'vault' })).json()).toMatchObject({ status: 'waiting' });
    const unscoped = await post('/api/v1/services/api/promotion/pause', 'dev-deployer', { reason: 'lunch' });
    expect([unscoped.status, unscoped.json<{ error: { message: string } }>().error.message]).toEqual([403, 'dev-deployer may act only in dev; name the environment to pause, resume or cancel the newest active promotion of a service in']);
    expect((await post('/api/v1/services/api/promotion/pause', 'dev-deployer', { environment: 'vault' })).status).toBe(403);
    expect((await post('/api/v1/services/api/promotion/pause', 'dev-deployer', { environment: 'dev' })).status).toBe(404); // none is on its way into dev
    expect((await post('/api/v1/services/api/promotion/pause', 'deployer', { environment: 'vault', reason: 'lunch' })).json()).toMatchObject({ status: 'paused' });
    expect((await post('/api/v1/services/api/promotion/cancel', 'deployer')).json()).toMatchObject({ status: 'cancelled' });
    expect((await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'vault' })).json()).toMatchObject({ status: 'waiting' });
    expect((await post('/api/v1/services/api/promotion/explode', 'deployer')).status).toBe(422);
    expect((await post('/api/v1/freeze-overrides', 'deployer', { service: 'api', environment: 'vault', reason: 'hotfix' })).status).toBe(403);
    expect((await post('/api/v1/freeze-overrides', 'sam', { service: 'api', environment: 'vault', reason: 'hotfix' })).json()).toMatchObject({ status: 'succeeded' });
    appendFileSync(join(dir, 'api', 'server.mjs'), '\n// third release\n');
    const release = await post('/api/v1/services/api/releases', 'deployer', { version: 'v3' });
    expect([release.status, release.json().version]).toEqual([201, 'v3']);
    expect((await post('/api/v1/services/api/releases', 'deployer', { version: 'v3' })).status).toBe(201);
  });

  it('promotes an existing release as it is, though the project file has changed since', async () => {
    const promoted = await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'staging', version: 'v1' });
    expect(promoted.json()).toMatchObject({ version: 'v1', status: 'succeeded' });
    const staging = (await get('/api/v1/status')).json<{ environment: string; release: string }[]>().find((r) => r.environment === 'staging');
    expect(staging?.release).toBe('v1');
  });

  it('rolls back', async () => {
    expect((await post('/api/v1/rollbacks', 'dev-deployer', { service: 'api', environment: 'dev' })).json()).toMatchObject({ release: { version: 'v1' } });
  });

  it('keeps secrets write-only: set and removed by an admin, listed by name', async () => {
    expect((await call('PUT', '/api/v1/secrets/db-password', { as: 'deployer', body: { value: SECRET_VALUE } })).status).toBe(403);
    expect((await call('PUT', '/api/v1/secrets/db-password', { as: 'admin', body: { value: SECRET_VALUE } })).json()).toEqual({ name: 'db-password' });
    expect((await call('PUT', '/api/v1/secrets/db-password', { as: 'admin', body: { value: 42 } })).status).toBe(422);
    expect((await get('/api/v1/secrets')).json<{ name: string }[]>().map((s) => s.name)).toEqual(['db-password']);
    expect((await call('DELETE', '/api/v1/secrets/db-password', { as: 'admin' })).json()).toEqual({ removed: true });
    expect((await call('DELETE', '/api/v1/secrets/db-password', { as: 'admin' })).json()).toEqual({ removed: false });
    await call('PUT', '/api/v1/secrets/db-password', { as: 'admin', body: { value: SECRET_VALUE } });
  });

  it('applies resources and stops an environment', async () => {
    expect((await post('/api/v1/environments/dev/resources/apply', 'viewer')).status).toBe(403);
    expect((await post('/api/v1/environments/dev/resources/apply', 'dev-deployer')).json()).toEqual([]);
    expect((await post('/api/v1/down', 'dev-deployer', { environment: 'dev' })).json()).toEqual([{ service: 'api', environment: 'dev', target: 'local' }]);
  });

  it('manages tokens for admins only; a revoked token lets no one in', async () => {
    expect((await get('/api/v1/tokens', 'deployer')).status).toBe(403);
    const created = await post('/api/v1/tokens', 'admin', { name: 'ci', role: 'deployer', environments: ['dev'] });
    expect(created.status).toBe(201);
    const { secret, info } = created.json<{ secret: string; info: { name: string; createdBy: string } }>();
    expect(secret).toMatch(/^slw_/);
    expect(info).toMatchObject({ name: 'ci', createdBy: 'admin' });
    expect((await post('/api/v1/tokens', 'admin', { name: 'ci', role: 'viewer' })).status).toBe(409);
    expect((await post('/api/v1/tokens', 'admin', { name: 'x', role: 'root' })).status).toBe(422);
    const listed = (await get('/api/v1/tokens', 'admin')).text;
    expect(listed).toContain('"ci"');
    expect(listed).not.toContain(secret);
    expect((await call('GET', '/api/v1/status', { as: secret })).status).toBe(200);
    const stored = await tokenDb.selectFrom('api_tokens').selectAll().where('name', '=', 'ci').executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secret.slice(4));
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await call('DELETE', '/api/v1/tokens/ci', { as: 'admin' })).json()).toEqual({ revoked: 'ci' });
    expect((await call('GET', '/api/v1/status', { as: secret })).status).toBe(401);
    expect((await call('DELETE', '/api/v1/tokens/ci', { as: 'admin' })).status).toBe(404);
    const audit = (await get('/api/v1/events?last=20')).json<{ type: string; actor: string; message: string }[]>().filter((e) => e.type.startsWith('token.'));
    expect(audit.map((e) => [e.type, e.actor, e.message])).toEqual([
      ['token.created', 'admin', 'admin created API token ci (deployer)'],
      ['token.revoked', 'admin', 'admin revoked API token ci'],
    ]);
  });

  it('lets a release into an environment only after those it promotes from, unless an admin overrides the order with a reason', async () => {
    const untested = await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'prod', version: 'never-tested-1' });
    expect([untested.status, untested.json<{ error: { code: string; message: string } }>().error]).toEqual([
      409,
      { code: 'gated', message: 'api never-tested-1 has not succeeded in staging, which prod promotes from: promote it through staging first (an admin may override the order with a reason)' },
    ]);
    expect((await get('/api/v1/services/api/releases')).json<{ version: string }[]>().map((r) => r.version)).not.toContain('never-tested-1');
    expect((await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'staging', version: 'v3' })).status).toBe(409);
    const direct = await post('/api/v1/deployments', 'deployer', { service: 'api', environment: 'staging' });
    expect([direct.status, direct.json<{ error: { message: string } }>().error.message]).toEqual([409, expect.stringMatching(/^api v3 has not succeeded in dev, which staging promotes from/)]);
    const notAdmin = await post('/api/v1/promotions', 'deployer', { service: 'api', environment: 'prod', version: 'v3', orderOverride: 'hotfix' });
    expect([notAdmin.status, notAdmin.json<{ error: { message: string } }>().error.message]).toEqual([403, 'deployer is not an admin; only an admin may override the promotion order']);
    const overridden = await post('/api/v1/promotions', 'boss', { service: 'api', environment: 'prod', version: 'v3', orderOverride: 'hotfix for INC-42' });
    expect(overridden.json()).toMatchObject({ status: 'waiting', environments: { prod: { orderOverride: { actor: 'boss', reason: 'hotfix for INC-42' } } } });
    const told = (await get('/api/v1/events?type=promotion.order-overridden')).json<{ actor: string; message: string }[]>();
    expect(told.map((e) => [e.actor, e.message])).toEqual([['boss', 'boss let api v3 into prod out of promotion order: hotfix for INC-42']]);
  });

  it('refuses the starter of a promotion approving it: 403, and nothing recorded', async () => {
    const before = (await get('/api/v1/events?type=promotion.approved')).json<unknown[]>().length;
    const own = await post('/api/v1/decisions', 'boss', { service: 'api', environment: 'prod', approved: true });
    expect([own.status, own.json<{ error: { message: string } }>().error.message]).toEqual([403, 'boss started this promotion, and the policy does not let its starter approve it']);
    expect((await get('/api/v1/events?type=promotion.approved')).json<unknown[]>()).toHaveLength(before);
    expect((await post('/api/v1/decisions', 'sam', { service: 'api', environment: 'prod', approved: true })).json()).toMatchObject({ status: 'succeeded', version: 'v3' });
  });

  it('records refused requests as access.denied events: who, which route, why', async () => {
    const refused = (await get('/api/v1/events?type=access.denied&last=200', 'admin')).json<{ actor: string; message: string; data: { route: string; status: number } }[]>();
    expect(refused).toContainEqual(expect.objectContaining({ actor: 'alice', data: expect.objectContaining({ route: '/api/v1/decisions', status: 403 }) }));
    expect(refused).toContainEqual(expect.objectContaining({ actor: 'boss', message: expect.stringContaining('does not let its starter approve it') }));
    expect(refused).toContainEqual(expect.objectContaining({ actor: 'anonymous', data: expect.objectContaining({ route: '/api/v1/status', status: 401 }) }));
    expect(JSON.stringify(refused)).not.toContain('slw_made-up'); // the bad token sent, never recorded
  });

  it('exposes Prometheus metrics that promtool accepts', async () => {
    const res = await call('GET', '/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(/^slipway_deployments_total\{outcome="succeeded",environment="dev"\} [1-9]/m);
    expect(res.text).toMatch(/^slipway_http_requests_total\{method="POST",route="\/api\/v1\/deployments",status="403"\} [1-9]/m);
    expect(res.text).toMatch(/^slipway_drift_units \d+$/m);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });

  it('never shows the secret value in any answer of any route', async () => {
    for (const [name, route] of Object.entries(routes)) {
      if (route.method !== 'GET' || route.answer === 'stream') continue;
      const path = route.path.replace('{service}', 'api').replace('{environment}', 'dev');
      answers.push((await call('GET', `${path}?${name === 'explain' ? 'environment=dev' : ''}`, { as: 'admin' })).text);
    }
    expect(answers.length).toBeGreaterThan(50);
    expect(answers.filter((a) => a.includes(SECRET_VALUE))).toEqual([]);
  });
});
