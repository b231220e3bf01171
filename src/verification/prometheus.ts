/**
 * A small client for Prometheus's HTTP API: instant queries (`/api/v1/query`) and their vector
 * and scalar results. Every failure is a `PrometheusError` that says what went wrong in words.
 */
import { SlipwayError } from '../errors.js';
import { fetchFailure } from './format.js';

/** One series of an instant result: its labels (empty for a scalar) and its value (may be NaN or ±Inf). */
export interface PrometheusSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * `unreachable`: no answer (network error, timeout); `rejected`: Prometheus refused the query
 * itself (a PromQL error, a range-vector result), which no retry will fix; `failed`: any other
 * error answer.
 */
export type PrometheusFailure = 'unreachable' | 'rejected' | 'failed';

/** A query got no usable answer from Prometheus. */
export class PrometheusError extends SlipwayError {
  override readonly name = 'PrometheusError';
  constructor(
    readonly failure: PrometheusFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('prometheus-failed', message, options);
  }
}

export interface QueryOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Limit for the request; 10 s unless given. */
  timeoutMs?: number;
}

/**
 * Runs the instant `query` at Prometheus `baseUrl` (e.g. `http://127.0.0.1:9090`) and returns its
 * samples: every series of a vector (none when the vector is empty), or the one value of a
 * scalar. Rejects with `PrometheusError`; an abort of `options.signal` rejects with its reason.
 */
export async function queryPrometheus(baseUrl: string, query: string, options: QueryOptions = {}): Promise<PrometheusSample[]> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const why = timeout.aborted ? `no answer within ${(options.timeoutMs ?? 10_000) / 1000} s` : fetchFailure(error);
    throw new PrometheusError('unreachable', `Prometheus at ${baseUrl} is unreachable: ${why}`, { cause: error });
  }
  const body = parseBody(text);
  if (body?.status === 'error' || !response.ok) {
    const detail = body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : `HTTP ${response.status} ${text.slice(0, 200).trim()}`;
    const failure = body?.errorType === 'bad_data' ? 'rejected' : 'failed';
    throw new PrometheusError(failure, `Prometheus ${failure === 'rejected' ? 'rejected' : 'failed'} the query ${query}: ${detail}`);
  }
  if (body?.status !== 'success' || !body.data) throw new PrometheusError('failed', `Prometheus at ${baseUrl} answered something that is not a query result: ${text.slice(0, 200)}`);
  return samples(body.data, query);
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

function parseBody(text: string): ApiBody | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return body && typeof body === 'object' ? (body as ApiBody) : undefined;
  } catch {
    return undefined;
  }
}

type Pair = [number, string];

function samples(data: NonNullable<ApiBody['data']>, query: string): PrometheusSample[] {
  switch (data.resultType) {
    case 'vector':
      return (data.result as { metric: Record<string, string>; value: Pair }[]).map((series) => ({
        labels: series.metric,
        value: parseValue(series.value[1]),
      }));
    case 'scalar':
      return [{ labels: {}, value: parseValue((data.result as Pair)[1]) }];
    default:
      throw new PrometheusError('rejected', `the query ${query} gives a ${data.resultType} result; verification needs an instant vector or a scalar`);
  }
}

/** Prometheus writes values as strings, with `+Inf`, `-Inf` and `NaN` spelled out. */
function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}
