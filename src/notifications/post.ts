/**
 * One HTTP POST of a delivery, reduced to what the delivery log needs.
 */
import { errorMessage } from '../errors.js';

/** What one POST came to: the receiver's status, or why no answer came. */
export interface PostResult {
  /** Null when no answer came (refused, reset, timed out). */
  readonly statusCode: number | null;
  /** Null for a 2xx; otherwise a sentence naming the status or the network error. */
  readonly error: string | null;
}

/**
 * POSTs `body` to `url` and waits at most `timeoutMs` (real time: it bounds real I/O) for the
 * answer's headers. Redirects are not followed: a signed body goes only where the hook says.
 * Never throws.
 */
export async function post(
  fetchImpl: typeof fetch,
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<PostResult> {
  try {
    const response = await fetchImpl(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { statusCode: response.status, error: response.ok ? null : `the receiver answered ${response.status}` };
  } catch (error) {
    return { statusCode: null, error: describeFailure(error, timeoutMs) };
  }
}

/** True for a status worth another attempt: the receiver is down, overloaded or throttling. */
export function isRetryableStatus(statusCode: number | null): boolean {
  return statusCode === null || statusCode >= 500 || statusCode === 429;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : '';
  return `${errorMessage(error)}${cause}`;
}
