/**
 * `slipway server`'s HTTP API: the route table over TCP, callers named by their API tokens,
 * plus `/openapi.json` and the web UI at `/`. Listens on 127.0.0.1 unless told otherwise.
 */
import type { Operations } from '../engine/index.js';
import type { TokenStore } from '../store/token-store.js';
import { buildApp } from './app.js';
import { bearerIdentity } from './identity.js';
import { openApiDocument } from './openapi.js';
import { RefusalRecorder, type Refusal } from './refusals.js';
import { routes } from './routes.js';
import { serveWebUi } from './web-ui.js';

export interface HttpServerOptions {
  /** Default 127.0.0.1: only this machine. */
  readonly host?: string;
  /** 0 (the default) picks a free port; `url` tells which. */
  readonly port?: number;
  readonly tokens: TokenStore;
  /** Reads without a token; writes never. Default false. */
  readonly allowAnonymousReads?: boolean;
  /** Largest request body in bytes (413 beyond). Default 1 MiB. */
  readonly bodyLimit?: number;
  /** How often the event stream polls the store. Default 500 ms. */
  readonly pollMs?: number;
  /** The version the OpenAPI document states. */
  readonly version?: string;
  readonly onError?: (error: unknown) => void;
}

export interface HttpServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /** Stops listening and ends open streams. Idempotent. */
  close(): Promise<void>;
}

/** Serves `ops` over HTTP until `close()`. Rejects when the address cannot be bound. */
export async function startHttpServer(ops: Operations, options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const refusals = new RefusalRecorder((event) => ops.recordRefusal(event));
  const onRefusal = (refusal: Refusal) => refusals.record(refusal);
  const app = buildApp({ ...options, ops, routes: Object.values(routes), identify: bearerIdentity(options.tokens), onRefusal });
  const document = openApiDocument(routes, options.version ?? '0');
  app.get('/openapi.json', async () => document);
  serveWebUi(app);
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => (closing ??= (refusals.close(), app.server.closeAllConnections(), app.close())),
  };
}
