/**
 * What the Score schema allows in an HTTP probe but no HTTP client can send: a path that is no URL
 * path (`ready`, `/a b`), a host that is no host name or address, a header name or value with
 * characters a request cannot carry. The schema accepts them (its path is any text, its host any
 * non-empty text, its header value any non-empty text); a probe sent with them would throw from a
 * timer long after `validate` said yes, so they are refused with their positions at load time,
 * by the rules every request of Slipway follows (`inputs/http-fields.ts`). Pure.
 */
import type { z } from 'zod';
import { HeaderName, HeaderValue, HostAddress, RequestPath } from '../http-fields.js';
import type { Problem } from '../yaml-source.js';
import type { ScoreWorkload } from './schema.js';

/** Every probe field of `score` that no HTTP request can carry, with its path in the file. Empty when all can be sent. */
export function unsendableProbeFields(score: ScoreWorkload): Problem[] {
  const problems: Problem[] = [];
  const check = (schema: z.ZodString, value: string | undefined, path: readonly PropertyKey[]): void => {
    if (value === undefined) return;
    const result = schema.safeParse(value);
    if (!result.success) problems.push({ path, message: `expected ${result.error.issues[0]?.message ?? 'a value an HTTP client can send'}, got ${JSON.stringify(value)}` });
  };
  for (const [name, container] of Object.entries(score.containers)) {
    for (const kind of ['livenessProbe', 'readinessProbe'] as const) {
      const http = container[kind]?.httpGet;
      if (!http) continue;
      const at = ['containers', name, kind, 'httpGet'];
      check(HostAddress, http.host, [...at, 'host']);
      check(RequestPath, http.path, [...at, 'path']);
      http.httpHeaders?.forEach((header, index) => {
        check(HeaderName, header.name, [...at, 'httpHeaders', index, 'name']);
        check(HeaderValue, header.value, [...at, 'httpHeaders', index, 'value']);
      });
    }
  }
  return problems;
}
