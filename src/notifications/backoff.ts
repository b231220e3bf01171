/**
 * How long to wait between delivery attempts. Pure.
 */

/** Exponential backoff: `initialMs`, doubling after each attempt, never above `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** 1 s, 2 s, 4 s, … capped at one minute. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

/** The wait after failed attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1));
}
