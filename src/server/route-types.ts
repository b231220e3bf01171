/**
 * The shape of one API route, shared by the servers (which run it) and the client (which calls
 * it). A route knows its method and path, its input as one zod object (path parameters, then the
 * query for GET and DELETE or the JSON body otherwise), who may call it, and how it answers.
 */
import type { z } from 'zod';
import type { Operations } from '../engine/index.js';
import type { TokenStore } from '../store/token-store.js';
import type { Access, Principal } from './access.js';
import type { Metrics } from './metrics.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route's `run` gets: the operations, the validated input, and who asks. */
export interface RouteContext<I> {
  readonly ops: Operations;
  /** Absent in a process that keeps no API tokens. */
  readonly tokens: TokenStore | undefined;
  readonly metrics: Metrics;
  readonly input: I;
  /** Undefined only for anonymous reads and public routes; routes that act always have one. */
  readonly principal: Principal | undefined;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Reports progress of long work; does nothing unless the client asked for a stream. */
  readonly progress: (message: string) => void;
  /** How often live feeds poll the store. */
  readonly pollMs: number;
}

interface RouteShape<S extends z.ZodType> {
  readonly method: Method;
  /** OpenAPI template: `/api/v1/services/{service}/history`. */
  readonly path: string;
  /** What it does, as a phrase that completes "… needs the deployer role": "deploy a service". */
  readonly summary: string;
  readonly input: S;
  /** Request headers that fill an input field the query leaves out (`last-event-id` → `afterSeq`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body is not parsed or read: the input field `body` is a function that reads its exact bytes
   * (up to `bodyLimit`, else `too-large`), whatever its content type, for signatures over them. The
   * input comes from headers and path only: a query string is refused.
   */
  readonly rawBody?: { readonly bodyLimit: number };
  readonly access: Access<z.output<S>>;
  /** Status of a successful answer; 200 when absent. */
  readonly status?: number;
}

/**
 * `json`: one JSON answer. `progress`: JSON, or newline-delimited `{ progress }` messages and a
 * final `{ outcome }` when the client accepts `application/x-ndjson`. `stream`: newline-delimited
 * JSON, or server-sent events when the client accepts `text/event-stream`. `text`: plain text.
 */
export type Runner<I, O> =
  | { readonly answer: 'json' | 'progress'; run(ctx: RouteContext<I>): Promise<O> }
  | { readonly answer: 'text'; readonly contentType: string; run(ctx: RouteContext<I>): Promise<string> }
  | { readonly answer: 'stream'; run(ctx: RouteContext<I>): AsyncIterable<O>; eventId?(item: O): string };

export type Route<S extends z.ZodType = z.ZodType, O = unknown> = RouteShape<S> & Runner<z.output<S>, O>;

/** Names of the `{parameters}` in a path template, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** True when the route's input travels in the query string rather than a JSON body. */
export function inputInQuery(route: Pick<Route, 'method'>): boolean {
  return route.method === 'GET' || route.method === 'DELETE';
}
