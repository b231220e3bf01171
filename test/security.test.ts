/**
 * The security regression suite, run on both store backends (embedded PGlite and a real
 * PostgreSQL). Two halves:
 *
 * - Who may call what: every route of the route table, for every role and environment scope, an
 *   anonymous caller and a revoked token, against `WHO_MAY`, a table written here independently
 *   of the routes' own access declarations. The table is keyed by route name, so a new route
 *   without a row fails the type check, and a row without its route fails the first test.
 * - Where a secret goes: a service whose environment holds a secret and which prints it is
 *   deployed and read through every door (API answers, NDJSON and server-sent logs, the CLI as a
 *   client); the value is then searched in every answer, every file under `.slipway/` (every table
 *   on PostgreSQL), every server log line and every notification body. What the service itself
 *   writes (its own output files) is out of Slipway's hands; README's security section says so.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../src/engine/index.js';
import { startReceiver, type Receiver } from '../src/notifications/test-receiver.js';
import { routes, type RouteName } from '../src/server/index.js';
import { startControlPlane, type ControlPlane } from '../src/server/control-plane.js';
import { inputInQuery, pathParams } from '../src/server/route-types.js';
import type { Role } from '../src/store/token-store.js';
import { startPostgres, type PostgresCluster } from './harness/postgres.js';
import { runCli } from './helpers/cli.js';
import { projectDir, removeProject } from './helpers/projects.js';

/** Who may call a route: anyone (`public`), a webhook sender holding the shared secret (`proof`), any token (`read`), or a role and up. */
type Who = 'public' | 'proof' | 'read' | 'deployer' | 'approver' | 'admin';

interface Case {
  readonly who: Who;
  /** A token limited to environments may act only where the input's `environment` is one of them. */
  readonly scoped?: boolean;
  /** A valid input that changes nothing harmful once let in: mostly a service that does not exist. */
  readonly input: Readonly<Record<string, unknown>>;
}

const GHOST = { service: 'ghost', environment: 'prod' };

/** Every route: who may call it, stated here, not read from the route table. */
const WHO_MAY: Record<RouteName, Case> = {
  healthz: { who: 'public', input: {} },
  readyz: { who: 'public', input: {} },
  metrics: { who: 'public', input: {} },
  status: { who: 'read', input: {} },
  preview: { who: 'read', input: { environment: 'dev' } },
  explain: { who: 'read', input: { service: 'leaky', environment: 'dev' } },
  events: { who: 'read', input: { last: 5 } },
  eventStream: { who: 'read', input: {} },
  history: { who: 'read', input: { service: 'ghost' } },
  listReleases: { who: 'read', input: { service: 'ghost' } },
  whoami: { who: 'read', input: {} },
  actions: { who: 'read', input: { service: 'leaky', environment: 'prod' } },
  deployment: { who: 'read', input: { id: '00000000-0000-4000-8000-000000000000' } },
  builds: { who: 'read', input: {} },
  buildDetail: { who: 'read', input: { id: 'b-00000000-0000-4000-8000-000000000000' } },
  buildLog: { who: 'read', input: { id: 'b-00000000-0000-4000-8000-000000000000' } },
  drift: { who: 'read', input: {} },
  services: { who: 'read', input: {} },
  entity: { who: 'read', input: { ref: 'component:default/ghost' } },
  environments: { who: 'read', input: {} },
  targets: { who: 'read', input: {} },
  queuedDeployments: { who: 'read', input: {} },
  logs: { who: 'read', input: { service: 'ghost', environment: 'dev' } },
  resources: { who: 'read', input: { environment: 'dev' } },
  listSecrets: { who: 'read', input: {} },
  deploy: { who: 'deployer', scoped: true, input: GHOST },
  promote: { who: 'deployer', scoped: true, input: GHOST },
  decide: { who: 'approver', scoped: true, input: { ...GHOST, approved: true } },
  overrideFreeze: { who: 'approver', scoped: true, input: { ...GHOST, reason: 'probe' } },
  control: { who: 'deployer', scoped: true, input: { ...GHOST, action: 'pause' } },
  createRelease: { who: 'deployer', input: { service: 'ghost' } },
  build: { who: 'deployer', input: { service: 'ghost' } },
  cancelBuild: { who: 'deployer', input: { id: 'b-00000000-0000-4000-8000-000000000000' } },
  rollback: { who: 'deployer', scoped: true, input: GHOST },
  convergence: { who: 'deployer', scoped: true, input: { ...GHOST, paused: true } },
  down: { who: 'deployer', scoped: true, input: { environment: 'prod' } },
  applyResources: { who: 'deployer', scoped: true, input: { environment: 'prod' } },
  setSecret: { who: 'admin', input: { name: 'matrix-probe', value: `probe-${randomBytes(8).toString('hex')}` } },
  removeSecret: { who: 'admin', input: { name: 'matrix-probe' } },
  listTokens: { who: 'admin', input: {} },
  createToken: { who: 'admin', input: { name: 'matrix-probe', role: 'viewer' } },
  revokeToken: { who: 'admin', input: { name: 'no-such-token' } },
  githubWebhook: { who: 'proof', input: {} },
  gitlabWebhook: { who: 'proof', input: {} },
};

/** The callers: tokens of every role and scope, a revoked token, nobody. */
const CALLERS: Readonly<Record<string, { role: Role; environments?: string[]; groups?: string[] } | 'anonymous' | 'revoked'>> = {
  anonymous: 'anonymous',
  revoked: 'revoked',
  viewer: { role: 'viewer' },
  deployer: { role: 'deployer' },
  'dev-deployer': { role: 'deployer', environments: ['dev'] },
  approver: { role: 'approver', groups: ['sre'] },
  'prod-approver': { role: 'approver', environments: ['prod'], groups: ['sre'] },
  'dev-approver': { role: 'approver', environments: ['dev'], groups: ['sre'] },
  admin: { role: 'admin' },
};

/** 401, 403, or `allowed` (anything else below 500) for `caller` on a route of `c`. */
function expected(c: Case, caller: string): 401 | 403 | 'allowed' {
  const token = CALLERS[caller]!;
  if (c.who === 'proof') return 401; // no signature or token sent: the shared secret is the credential
  if (c.who === 'public') return 'allowed';
  if (token === 'anonymous' || token === 'revoked') return 401;
  if (c.who === 'read') return 'allowed';
  const mayRole = token.role === 'admin' || token.role === c.who;
  if (!mayRole) return 403;
  const scope = token.role === 'admin' ? [] : (token.environments ?? []);
  if (c.scoped && scope.length > 0 && !scope.includes(String(c.input.environment))) return 403;
  return 'allowed';
}

const SECRET = `pw-${randomBytes(12).toString('hex')}`;

const LEAKY_SERVICE = `import { createServer } from 'node:http';
const say = () => console.log('DB_PASSWORD=' + process.env.DB_PASSWORD);
say();
setInterval(say, 200);
createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : process.env.DB_PASSWORD.length + ' characters')).listen(Number(process.env.PORT), '127.0.0.1');
`;

function writeProject(dir: string, hook: string): void {
  mkdirSync(join(dir, 'leaky'), { recursive: true });
  writeFileSync(join(dir, 'leaky', 'server.mjs'), LEAKY_SERVICE);
  writeFileSync(join(dir, 'policy.yaml'), 'owner: security\nenvironments:\n  prod:\n    constraints:\n      approvals: { count: 1, groups: [sre] }\n');
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `project: security
layers: [policy.yaml]
notifications:
  - { name: audit, url: "${hook}", events: ["*"] }
services:
  leaky:
    owner: team-leaky
    workload:
      command: node
      args: [server.mjs]
      artifact: ./leaky
      ports: { http: auto }
      env: { DB_PASSWORD: "secret:db-password" }
      readinessProbe: { httpGet: { path: /healthz, port: http } }
environments:
  dev: { targets: [local] }
  staging: { promotesFrom: [dev], targets: [local] }
  prod: { promotesFrom: [staging], targets: [local] }
targets:
  local: { runtime: process }
`,
  );
}

/** Every file under `dir`, but the services' own output (what a service prints is its own business). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() && !/\/runtime\/[^/]+\/logs\//.test(path));
}

describe.each(['PGlite', 'PostgreSQL'] as const)('security, on %s', (backend) => {
  const dir = projectDir(`security-${backend.toLowerCase()}`, []);
  const answers: string[] = [];
  const logged: string[] = [];
  const secrets: Record<string, string> = {};
  let cluster: PostgresCluster | undefined;
  let databaseUrl: string | undefined;
  let receiver: Receiver;
  let ws: Workspace;
  let plane: ControlPlane;

  async function call(method: string, path: string, options: { as?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as && secrets[options.as]) headers.authorization = `Bearer ${secrets[options.as]}`;
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`${method} ${path} did not answer within 30 s`)), 30_000);
    const res = await fetch(`${plane.url}${path}`, { method, headers, body, signal: abort.signal }).finally(() => clearTimeout(timer));
    const streaming = /event-stream|ndjson/.test(res.headers.get('content-type') ?? '') && path.includes('/events/stream');
    const text = streaming ? '' : await res.text();
    abort.abort();
    answers.push(text);
    return { status: res.status, text };
  }

  /** The request a route gets for `input`: path parameters in the path, the rest in the query or a JSON body. */
  function requestOf(name: RouteName, input: Readonly<Record<string, unknown>>) {
    const route = routes[name];
    const rest: Record<string, unknown> = { ...input };
    const path = route.path.replace(/\{(\w+)\}/g, (_, param: string) => {
      const value = String(rest[param]);
      delete rest[param];
      return encodeURIComponent(value);
    });
    if (route.rawBody) return { method: route.method, path, body: '{}' };
    if (inputInQuery(route)) {
      const query = new URLSearchParams(Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)])).toString();
      return { method: route.method, path: query ? `${path}?${query}` : path };
    }
    return { method: route.method, path, body: rest };
  }

  beforeAll(async () => {
    if (backend === 'PostgreSQL') {
      cluster = await startPostgres();
      databaseUrl = await cluster.newDatabase();
    }
    receiver = await startReceiver();
    writeProject(dir, receiver.url);
    ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml'), databaseUrl });
    plane = await startControlPlane(ws, { tokens: ws.store.tokens, http: { port: 0 }, onError: (what, error) => logged.push(`${what}: ${String(error)} ${JSON.stringify(error)}`) });
    for (const [name, spec] of Object.entries(CALLERS)) {
      if (spec === 'anonymous') continue;
      const token = spec === 'revoked' ? { role: 'deployer' as const } : spec;
      secrets[name] = (await ws.store.tokens.createToken({ name, role: token.role, environments: token.environments ?? [], groups: token.groups ?? [], createdBy: 'test' })).secret;
      if (spec === 'revoked') await ws.store.tokens.revokeToken(name);
    }
  });

  afterAll(async () => {
    await plane?.stop();
    await receiver?.close();
    await removeProject(dir, ws);
    await cluster?.stop();
  });

  it('has a row of WHO_MAY for every route, and a route for every row', () => {
    expect(Object.keys(WHO_MAY).sort()).toEqual(Object.keys(routes).sort());
    for (const [name, c] of Object.entries(WHO_MAY)) {
      for (const param of pathParams(routes[name as RouteName].path)) expect(c.input, `${name} needs ${param}`).toHaveProperty(param);
    }
  });

  it('answers every route, for every caller, as WHO_MAY says, and never with a 500', async () => {
    await call('PUT', '/api/v1/secrets/webhook-github', { as: 'admin', body: { value: `gh-${randomBytes(8).toString('hex')}` } });
    await call('PUT', '/api/v1/secrets/webhook-gitlab', { as: 'admin', body: { value: `gl-${randomBytes(8).toString('hex')}` } });
    const wrong: string[] = [];
    for (const [name, c] of Object.entries(WHO_MAY) as [RouteName, Case][]) {
      for (const caller of Object.keys(CALLERS)) {
        const { method, path, body } = requestOf(name, c.input);
        const { status, text } = await call(method, path, { as: caller, body });
        const want = expected(c, caller);
        const ok = want === 'allowed' ? status !== 401 && status !== 403 && status < 500 : status === want;
        if (!ok) wrong.push(`${name} as ${caller}: ${status} (expected ${want}) ${text.slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('hides the secret a service prints in its logs, through the API (NDJSON and server-sent events) and the CLI', async () => {
    expect((await call('PUT', '/api/v1/secrets/db-password', { as: 'admin', body: { value: SECRET } })).status).toBe(200);
    const deployed = await call('POST', '/api/v1/deployments', { as: 'deployer', body: { service: 'leaky', environment: 'dev' } });
    expect([deployed.status, JSON.parse(deployed.text).result]).toEqual([200, 'deployed']);

    const ndjson = await call('GET', '/api/v1/services/leaky/logs?environment=dev&tail=5', { as: 'viewer' });
    const lines = ndjson.text.trim().split('\n').map((l) => (JSON.parse(l) as { line: string }).line);
    expect(lines).toContain('DB_PASSWORD=***');

    const res = await fetch(`${plane.url}/api/v1/services/leaky/logs?environment=dev&tail=2&follow=true`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${secrets.viewer}` } });
    const reader = res.body!.getReader();
    let sse = '';
    while ((sse.match(/DB_PASSWORD/g) ?? []).length < 4) sse += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    answers.push(sse);
    expect(sse).toContain('DB_PASSWORD=***');

    const cli = await runCli(['logs', 'leaky', '--env', 'dev', '-n', '3'], { env: { SLIPWAY_URL: plane.url, SLIPWAY_TOKEN: secrets.viewer } });
    answers.push(cli.stdout, cli.stderr);
    expect([cli.code, cli.stdout]).toEqual([0, expect.stringContaining('DB_PASSWORD=***')]);
  });

  it('keeps the secret out of every answer, every file under .slipway/ and every table, every log line and every notification', async () => {
    const promotion = JSON.parse((await call('POST', '/api/v1/promotions', { as: 'deployer', body: { service: 'leaky', environment: 'staging' } })).text) as { id: string };
    const history = async () => JSON.parse((await call('GET', '/api/v1/services/leaky/history', { as: 'viewer' })).text) as { promotions: { id: string; status: string }[] };
    const promoted = async () => (await history()).promotions.find((p) => p.id === promotion.id);
    await expect.poll(promoted, { timeout: 90_000 }).toMatchObject({ status: 'succeeded' });
    for (const [name, route] of Object.entries(routes) as [RouteName, (typeof routes)[RouteName]][]) {
      if (route.method !== 'GET' || route.answer === 'stream') continue;
      const { path } = requestOf(name, { ...WHO_MAY[name].input, service: 'leaky' });
      await call('GET', path, { as: 'admin' });
    }
    const events = await call('GET', '/api/v1/events?last=1000', { as: 'admin' });
    expect(events.text).toContain('leaky');
    expect(answers.filter((a) => a.includes(SECRET))).toEqual([]);
    expect(logged.filter((l) => l.includes(SECRET))).toEqual([]);

    await expect.poll(() => receiver.requests.some((r) => r.body.includes('deployment.succeeded'))).toBe(true);
    expect(receiver.requests.filter((r) => r.body.includes(SECRET) || JSON.stringify(r.headers).includes(SECRET))).toEqual([]);

    const needle = Buffer.from(SECRET);
    const files = filesUnder(ws.stateDir);
    expect(files.length).toBeGreaterThan(backend === 'PGlite' ? 100 : 3);
    expect(files.filter((file) => readFileSync(file).includes(needle)).map((file) => relative(ws.stateDir, file))).toEqual([]);
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const tables = (await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'")).rows.map((r) => r.tablename);
        expect(tables).toContain('events');
        for (const table of tables) {
          const { rows } = await client.query(`select row_to_json(t)::text as row from "${table}" t`);
          expect(rows.filter((r: { row: string }) => r.row.includes(SECRET)), table).toEqual([]);
        }
      } finally {
        await client.end();
      }
    }
  }, 180_000);
});
