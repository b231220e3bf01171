/**
 * Checking a request's params against a provisioner's schema.
 */
import type { z } from 'zod';

/** `params` parsed by `schema`; throws an `Error` listing every problem as `params.<path>: <message>`. */
export function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  throw new Error(result.error.issues.map((issue) => `${['params', ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; '));
}
