/**
 * The control socket: the process that holds a workspace (`slipway up`) serves its operations on
 * a Unix socket in `.slipway/`, so that `slipway status`, `deploy` and `logs` run from another
 * terminal reach it. Only the local user can reach the socket (mode 0600). JSON in and out;
 * long answers (deploy progress, logs) stream as newline-delimited JSON.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Operations } from '../engine/index.js';
import { z } from 'zod';
import { SlipwayError } from '../errors.js';
import { errorBody, httpStatusOf } from './error-body.js';

/** Where the control socket of a state directory lives. */
export function controlSocketPath(stateDir: string): string {
  return join(stateDir, 'control.sock');
}

type Handler = (ops: Operations, url: URL, req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

const routes: Readonly<Record<string, Handler>> = {
  'GET /v0/status': (ops) => ops.status(),
  'GET /v0/preview': (ops, url) => ops.preview(url.searchParams.get('environment') ?? undefined),
  'GET /v0/explain': (ops, url) => ops.explain(required(url, 'service'), required(url, 'environment')),
  'GET /v0/events': (ops, url) =>
    ops.events({
      service: url.searchParams.get('service') ?? undefined,
      environment: url.searchParams.get('environment') ?? undefined,
      afterSeq: optionalNumber(url, 'afterSeq'),
      limit: optionalNumber(url, 'limit'),
    }),
  'POST /v0/deploy': async (ops, _url, req, res) => {
    const request = parseBody(DeployBody, await readJson(req));
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const outcome = await ops.deploy(request, (progress) => res.write(JSON.stringify({ progress }) + '\n'));
    res.end(JSON.stringify({ outcome }) + '\n');
    return undefined;
  },
  'POST /v0/promote': async (ops, _url, req) => ops.promote(parseBody(PromoteBody, await readJson(req))),
  'POST /v0/decide': async (ops, _url, req) => ops.decide(parseBody(DecideBody, await readJson(req))),
  'POST /v0/override-freeze': async (ops, _url, req) => ops.overrideFreeze(parseBody(OverrideBody, await readJson(req))),
  'POST /v0/control': async (ops, _url, req) => ops.control(parseBody(ControlBody, await readJson(req))),
  'POST /v0/rollback': async (ops, _url, req) => ops.rollback(parseBody(RollbackBody, await readJson(req))),
  'GET /v0/history': (ops, url) => ops.history(required(url, 'service')),
  'POST /v0/secrets': async (ops, _url, req) => ops.setSecret(parseBody(SecretBody, await readJson(req))).then(() => ({ ok: true })),
  'GET /v0/secrets': (ops) => ops.listSecrets(),
  'POST /v0/secrets/remove': async (ops, _url, req) => ({ removed: await ops.removeSecret(parseBody(SecretNameBody, await readJson(req))) }),
  'GET /v0/resources': (ops, url) => ops.resources(required(url, 'environment')),
  'POST /v0/resources/apply': async (ops, _url, req) => ops.applyResources(parseBody(ApplyResourcesBody, await readJson(req))),
  'POST /v0/releases': async (ops, _url, req) => ops.createRelease(parseBody(ReleaseBody, await readJson(req))),
  'GET /v0/releases': (ops, url) => ops.listReleases(required(url, 'service')),
  'GET /v0/drift': (ops) => ops.drift(),
  'POST /v0/convergence': async (ops, _url, req) => ops.convergence(parseBody(ConvergenceBody, await readJson(req))).then(() => ({ ok: true })),
  'POST /v0/down': async (ops, _url, req) => ops.down(parseBody(DownBody, await readJson(req))),
  'GET /v0/logs': async (ops, url, req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const lines = ops.logs({
      service: required(url, 'service'),
      environment: required(url, 'environment'),
      tail: optionalNumber(url, 'tail'),
      follow: url.searchParams.get('follow') === 'true',
      signal: abort.signal,
    });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for await (const line of lines) res.write(JSON.stringify(line) + '\n');
    res.end();
    return undefined;
  },
};

/** Serves `ops` on the state directory's control socket until the returned close is called. */
export async function serveControlSocket(ops: Operations, stateDir: string): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(stateDir);
  rmSync(path, { force: true }); // a socket left by a killed process; the workspace lock says it is ours now
  const server = createServer((req, res) => void handle(ops, req, res));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  chmodSync(path, 0o600);
  return { close: () => closeServer(server, path) };
}

async function handle(ops: Operations, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://slipway');
  const route = routes[`${req.method} ${url.pathname}`];
  try {
    if (!route) throw new SlipwayError('not-found', `no route ${req.method} ${url.pathname}`);
    const body = await route(ops, url, req, res);
    if (body !== undefined) sendJson(res, 200, body);
  } catch (error) {
    if (res.headersSent) res.end(JSON.stringify(errorBody(error)) + '\n');
    else sendJson(res, httpStatusOf(error), errorBody(error));
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SlipwayError('bad-request', 'the request body is not JSON');
  }
}

const DeployBody = z.strictObject({
  service: z.string().min(1),
  environment: z.string().min(1),
  version: z.string().min(1).optional(),
  actor: z.string().min(1),
});

const text = z.string().min(1);
const PromoteBody = z.strictObject({ service: text, version: text.optional(), environment: text.optional(), actor: text });
const DecideBody = z.strictObject({ service: text, environment: text, actor: text, groups: z.array(text), approved: z.boolean(), comment: z.string().optional() });
const OverrideBody = z.strictObject({ service: text, environment: text, actor: text, reason: text });
const ControlBody = z.strictObject({ service: text, action: z.enum(['pause', 'resume', 'cancel']), actor: text, reason: z.string().optional() });
const RollbackBody = z.strictObject({ service: text, environment: text, actor: text });

const SecretBody = z.strictObject({ name: text, value: z.string(), actor: text });
const SecretNameBody = z.strictObject({ name: text, actor: text });
const ApplyResourcesBody = z.strictObject({ environment: text, actor: text });

const ReleaseBody = z.strictObject({ service: text, version: text.optional(), actor: text });
const ConvergenceBody = z.strictObject({ service: text, environment: text, paused: z.boolean(), actor: text, reason: z.string().optional() });

const DownBody = z.strictObject({ environment: z.string().min(1).optional(), actor: z.string().min(1) });

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  throw new SlipwayError('bad-request', `invalid request: ${problems.join('; ')}`);
}

function required(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (!value) throw new SlipwayError('bad-request', `the query parameter "${name}" is required`);
  return value;
}

function optionalNumber(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new SlipwayError('bad-request', `"${name}" must be a whole number, got "${value}"`);
  return n;
}

async function closeServer(server: Server, path: string): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(path, { force: true });
}
