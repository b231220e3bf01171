/**
 * The route table served by fastify: the one request pipeline of both the HTTP API and the
 * control socket. Per request: who asks (401), may their role call this (403), is the input
 * valid (422), may they act in that environment (403), then the route runs and answers as JSON,
 * text, newline-delimited JSON or server-sent events. Errors answer through `error-body.ts`.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Operations } from '../engine/index.js';
import { SlipwayError, logEntry } from '../errors.js';
import type { TokenStore } from '../store/token-store.js';
import { requireCaller, requireRole, requireScope, type Principal } from './access.js';
import { errorBody, httpStatusOf } from './error-body.js';
import type { Identify } from './identity.js';
import { Metrics } from './metrics.js';
import type { Refusal } from './refusals.js';
import type { Route, RouteContext } from './route-types.js';
import { acceptsGzip, gzippedReply, serializeReply } from './serialize.js';

export interface AppOptions {
  readonly ops: Operations;
  readonly routes: readonly Route[];
  readonly identify: Identify;
  /** Absent: the token routes answer that this process keeps no tokens. */
  readonly tokens?: TokenStore;
  /** Reads without a token. Writes never are. Default false. */
  readonly allowAnonymousReads?: boolean;
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** How often live feeds poll the store. Default 500 ms. */
  readonly pollMs?: number;
  /** Server-sent-event comments that keep idle connections open. Default 15 s. */
  readonly heartbeatMs?: number;
  readonly metrics?: Metrics;
  /** Where unexpected errors are told (their details never reach the client). Default: stderr, as `logEntry` words them. */
  readonly onError?: (error: unknown) => void;
  /** Told of every request refused for who asked (401, 403): the audit log records them. */
  readonly onRefusal?: (refusal: Refusal) => void;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the fastify instance; the caller listens and closes it. */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, logger: false });
  const metrics = options.metrics ?? new Metrics();
  const onError = options.onError ?? ((error: unknown) => console.error(`slipway server: ${logEntry(error)}`));
  app.setReplySerializer(serializeReply);

  app.addHook('onRequest', async (request, reply) => {
    const template = (request.routeOptions.config as { path?: string }).path ?? 'unmatched';
    reply.raw.once('close', () => metrics.countRequest(request.method, template, reply.raw.statusCode));
  });
  app.setErrorHandler((error, request, reply) => {
    const failure = asSlipwayError(error, options.bodyLimit ?? DEFAULT_BODY_LIMIT);
    if (!(failure instanceof SlipwayError)) onError(error);
    else if (REFUSALS.has(failure.code)) options.onRefusal?.(refusalOf(request, failure));
    void reply.code(httpStatusOf(failure)).send(errorBody(failure));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    void reply.code(404).send(errorBody(new SlipwayError('not-found', `there is no ${request.method} ${path}; /openapi.json lists every route`)));
  });

  const add = (scope: FastifyInstance, route: Route) =>
    scope.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ':$1'),
      config: { path: route.path },
      handler: (request, reply) => serve(route, request, reply, { ...options, metrics, onError }),
    });
  for (const route of options.routes) if (!route.rawBody) add(app, route);
  // Routes that check a signature over the body get its stream unread, whatever its content type.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const route of options.routes) if (route.rawBody) add(scope, route);
  });
  return app;
}

const REFUSALS = new Set(['unauthenticated', 'forbidden']);

/** Who asked, as far as the request showed before it was refused. */
const principals = new WeakMap<FastifyRequest, Principal>();

function refusalOf(request: FastifyRequest, error: SlipwayError): Refusal {
  return {
    actor: principals.get(request)?.name ?? 'anonymous',
    method: request.method,
    route: (request.routeOptions.config as { path?: string }).path ?? 'unmatched',
    status: httpStatusOf(error),
    reason: error.message,
    remote: request.ip,
  };
}

type Served = AppOptions & { readonly metrics: Metrics; readonly onError: (error: unknown) => void };

async function serve(route: Route, request: FastifyRequest, reply: FastifyReply, options: Served): Promise<unknown> {
  const principal = route.access.kind === 'public' ? undefined : await options.identify(request.headers);
  if (principal) principals.set(request, principal);
  requireCaller(route.access, principal, options.allowAnonymousReads ?? false);
  requireRole(route.access, principal, route.summary);
  const input = parseInput(route, request, options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  requireScope(route.access, principal, input, route.summary);

  const abort = new AbortController();
  reply.raw.once('close', () => abort.abort());
  const ctx: RouteContext<unknown> = {
    ops: options.ops,
    tokens: options.tokens,
    metrics: options.metrics,
    input,
    principal,
    signal: abort.signal,
    progress: () => {},
    pollMs: options.pollMs ?? 500,
  };
  const accept = request.headers.accept ?? '';
  switch (route.answer) {
    case 'json': {
      const payload = await route.run(ctx);
      const zipped = acceptsGzip(request.headers['accept-encoding']) ? await gzippedReply(payload) : undefined;
      void reply.code(route.status ?? 200).header('vary', 'accept-encoding');
      if (!zipped) return reply.send(payload);
      return reply.header('content-encoding', 'gzip').type('application/json; charset=utf-8').send(zipped);
    }
    case 'text':
      return reply.code(route.status ?? 200).type(route.contentType).send(await route.run(ctx));
    case 'progress':
      if (!accept.includes(NDJSON)) return reply.code(route.status ?? 200).send(await route.run(ctx));
      return streamOut(reply, 'ndjson', options, abort.signal, progressMessages((progress) => route.run({ ...ctx, progress })));
    case 'stream': {
      const sse = accept.includes('text/event-stream');
      return streamOut(reply, sse ? 'sse' : 'ndjson', options, abort.signal, route.run(ctx), route.eventId);
    }
  }
}

const NDJSON = 'application/x-ndjson';

/** `{ progress }` for each message the work reports while it runs, then `{ outcome }`; its error is thrown. */
async function* progressMessages(work: (progress: (message: string) => void) => Promise<unknown>): AsyncGenerator<unknown> {
  const messages: unknown[] = [];
  let finished = false;
  let wake = () => {};
  const done = work((progress) => {
    messages.push({ progress });
    wake();
  }).finally(() => {
    finished = true;
    wake();
  });
  done.catch(() => undefined); // observed below, once the messages before the failure are out
  for (;;) {
    while (messages.length) yield messages.shift();
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
  }
  yield { outcome: await done };
}

/** The route's input from path parameters, query or body, and named headers; 422 when it is not valid. */
function parseInput(route: Route, request: FastifyRequest, serverLimit: number): unknown {
  const fromHeaders: Record<string, unknown> = {};
  for (const [header, field] of Object.entries(route.headers ?? {})) {
    const value = request.headers[header];
    if (typeof value === 'string') fromHeaders[field] = value;
  }
  if (route.rawBody) {
    if (Object.keys(request.query as object).length > 0) throw invalid([`${route.path} takes no query parameters: what it needs travels in headers`]);
    const bodyLimit = Math.min(route.rawBody.bodyLimit, serverLimit);
    const stream = request.body as Readable | undefined;
    const declared = Number(request.headers['content-length'] ?? 0);
    const body = () => (stream ? readAtMost(stream, declared, bodyLimit) : Promise.resolve(new Uint8Array()));
    return validated(route, { ...fromHeaders, body, ...(request.params as object) });
  }
  const body: unknown = request.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw invalid(['the request body must be a JSON object']);
  return validated(route, { ...fromHeaders, ...(request.query as object), ...body, ...(request.params as object) });
}

function validated(route: Route, raw: object): unknown {
  const result = route.input.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw invalid(result.error.issues.map(describeIssue));
}

/** The stream's bytes, refused with `too-large` (having read no more than `limit`) when there are more. */
async function readAtMost(stream: Readable, declared: number, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new SlipwayError('too-large', `the request body is larger than the limit of ${limit} bytes`);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function invalid(problems: readonly string[]): SlipwayError {
  return new SlipwayError('invalid-request', `the request is not valid: ${problems.join('; ')}`);
}

/** One zod issue in words; never the offending value, which may be a secret. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'invalid_type' && issue.input === undefined) return `"${where}" is required`;
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return where ? `"${where}": ${issue.message}` : issue.message;
}

/**
 * Writes items as NDJSON lines or server-sent events until the items end or the client leaves.
 * An error before the first item (within 100 ms) still gets its status; a later one is sent in
 * the stream as `{ error }` (an `error` event in SSE).
 */
async function streamOut(reply: FastifyReply, kind: 'ndjson' | 'sse', options: Served, signal: AbortSignal, items: AsyncIterable<unknown>, eventId?: (item: unknown) => string): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  const first = iterator.next();
  const early = await Promise.race([first.then(() => 'ready' as const), new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 100).unref())]);
  if (early === 'ready') await first; // throws here, before any header, when the stream failed at once
  const res = reply.hijack().raw;
  res.writeHead(200, kind === 'sse' ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' } : { 'content-type': NDJSON });
  const heartbeat = kind === 'sse' ? setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000) : undefined;
  res.flushHeaders(); // a follower learns it is in at once, not with the first item
  if (kind === 'sse') res.write('retry: 1000\n\n');
  const format = (item: unknown, event?: string) =>
    kind === 'ndjson' ? JSON.stringify(item) + '\n' : `${event ? `event: ${event}\n` : ''}${eventId && !event ? `id: ${eventId(item)}\n` : ''}data: ${JSON.stringify(item)}\n\n`;
  try {
    for (let next = await first; !next.done && !signal.aborted; next = await iterator.next()) await write(res, format(next.value), signal);
  } catch (error) {
    if (!signal.aborted) {
      if (!(error instanceof SlipwayError)) options.onError(error);
      res.write(format(errorBody(error), 'error'));
    }
  } finally {
    clearInterval(heartbeat);
    await iterator.return?.();
    res.end();
  }
}

/** Writes, waiting for the client to drain when its buffer is full (or for it to leave). */
async function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (res.write(text) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    res.once('drain', resolve);
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function asSlipwayError(error: unknown, bodyLimit: number): unknown {
  if (error instanceof SlipwayError) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status !== 'number' || status >= 500) return error;
  if (status === 413) return new SlipwayError('too-large', `the request body is larger than the limit of ${bodyLimit} bytes`);
  if (status === 415) return new SlipwayError('unsupported-media-type', 'send the request body as JSON, with content-type: application/json');
  if ((error as { code?: unknown }).code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new SlipwayError('bad-request', 'the request body is empty; send a JSON object');
  // Parser messages can quote the body, which may hold a secret: say what is wrong in our words.
  return new SlipwayError('bad-request', 'the request body is not valid JSON');
}
