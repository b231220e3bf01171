/**
 * The HTTP API from the browser: JSON calls and NDJSON streams, with the API token of this
 * browser (kept in localStorage; a `?token=` in the address, as `slipway up` prints it, signs in).
 */
const TOKEN_KEY = 'slipway.token';

/** Moves a `?token=` from the address into storage, so it is not left in history or bookmarks. */
export function takeTokenFromAddress(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
}

export function signIn(token: string): void {
  localStorage.setItem(TOKEN_KEY, token.trim());
}

export function signOut(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/** An answer other than 2xx: the API's stable `code` and its message for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = localStorage.getItem(TOKEN_KEY);
  return { ...(token && { authorization: `Bearer ${token}` }), ...extra };
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  return new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `the server answered ${res.status}`);
}

/** GET a JSON answer. */
export async function read<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: headers(), signal });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** POST a JSON body and read the JSON answer. */
export async function act<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Each NDJSON line of a streamed answer (GET, or POST with `body`), until it ends or `signal` aborts. */
export async function* lines<T>(path: string, options: { signal: AbortSignal; body?: unknown }): AsyncGenerator<T> {
  const init: RequestInit = options.body === undefined
    ? { headers: headers({ accept: 'application/x-ndjson' }), signal: options.signal }
    : { method: 'POST', headers: headers({ accept: 'application/x-ndjson', 'content-type': 'application/json' }), body: JSON.stringify(options.body), signal: options.signal };
  const res = await fetch(path, init);
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** True for the error a fetch throws when its signal aborts: not a failure to show. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
