/** HTTP checks: GET a path on every instance endpoint, retried a few times, and compare the status. */
import { errorMessage } from '../errors.js';
import type { Clock } from './clock.js';
import { count, fetchFailure } from './format.js';
import type { CheckResult, Endpoint, HttpCheck } from './types.js';

export interface HttpCheckDeps {
  clock: Clock;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?(message: string): void;
}

/** The check's name as given, else `GET <path>` (with its port when one is named). */
export function httpCheckName(check: HttpCheck): string {
  return check.name ?? `GET ${check.path}${check.port === undefined ? '' : ` on port ${check.port}`}`;
}

/** The endpoint's base URL. */
export function endpointUrl(endpoint: Endpoint): string {
  return typeof endpoint === 'string' ? endpoint : endpoint.url;
}

/**
 * The URL `check` requests on `endpoint`: its path on the endpoint's URL, with the port replaced
 * when the check names one. Throws when the port is a name the endpoint does not declare.
 */
export function checkUrl(check: HttpCheck, endpoint: Endpoint): URL {
  const url = new URL(check.path, endpointUrl(endpoint));
  if (typeof check.port === 'number') url.port = String(check.port);
  if (typeof check.port === 'string') {
    const port = typeof endpoint === 'string' ? undefined : endpoint.ports?.[check.port];
    if (port === undefined) throw new Error(`${endpointUrl(endpoint)} has no port named "${check.port}"`);
    url.port = String(port);
  }
  return url;
}

/**
 * Runs `check` against every endpoint side by side; passes when each answered an expected status
 * within `attempts` tries. Never throws for a failing endpoint; rejects with the reason when
 * `deps.signal` aborts. Waits between attempts by `deps.clock`.
 */
export async function runHttpCheck(check: HttpCheck, endpoints: readonly Endpoint[], deps: HttpCheckDeps): Promise<CheckResult> {
  const name = httpCheckName(check);
  const subject = check.name ? `${check.name}: GET ${check.path}` : name;
  const result = (passed: boolean, message: string): CheckResult => ({ name, kind: 'http', outcome: passed ? 'passed' : 'failed', passed, message });
  if (endpoints.length === 0) return result(false, `${subject}: no endpoints to check`);
  const failures = (await Promise.all(endpoints.map((endpoint) => probe(check, endpoint, deps)))).filter((f) => f !== undefined);
  const expected = [check.expectStatus].flat().join(' or ');
  if (failures.length === 0) return result(true, `${subject} answered ${expected} on ${count(endpoints.length, 'endpoint')}`);
  const which = endpoints.length > 1 ? ` (${failures.length} of ${count(endpoints.length, 'endpoint')} failed)` : '';
  return result(false, `${subject}${which}: ${failures.join('; ')}`);
}

/** Tries one endpoint up to `attempts` times; undefined when it passed, else why it did not. */
async function probe(check: HttpCheck, endpoint: Endpoint, deps: HttpCheckDeps): Promise<string | undefined> {
  let url: URL;
  try {
    url = checkUrl(check, endpoint);
  } catch (error) {
    return errorMessage(error);
  }
  const expected = [check.expectStatus].flat();
  let last = '';
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    if (attempt > 1) await deps.clock.sleep(check.intervalSeconds * 1000, deps.signal);
    const answer = await get(url, check.timeoutSeconds, deps);
    if (typeof answer !== 'string' && expected.includes(answer.status)) {
      deps.onProgress?.(`${url.href} answered ${answer.status}`);
      return undefined;
    }
    last = typeof answer === 'string' ? answer : `answered ${answer.status}, expected ${expected.join(' or ')}${answer.body ? `: ${answer.body}` : ''}`;
    deps.onProgress?.(`${url.href} ${last} (attempt ${attempt} of ${check.attempts})`);
  }
  return `${url.href} ${last} (${count(check.attempts, 'attempt')})`;
}

/** One GET: its status and the start of its body, or why there was no answer. */
async function get(url: URL, timeoutSeconds: number, deps: HttpCheckDeps): Promise<{ status: number; body: string } | string> {
  const timeout = AbortSignal.timeout(timeoutSeconds * 1000);
  try {
    const response = await (deps.fetch ?? fetch)(url, { signal: deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout });
    const body = (await response.text()).trim().split('\n')[0]!.slice(0, 120);
    return { status: response.status, body };
  } catch (error) {
    if (deps.signal?.aborted) throw deps.signal.reason;
    if (timeout.aborted) return `gave no answer within ${timeoutSeconds} s`;
    return `could not be reached: ${fetchFailure(error)}`;
  }
}
