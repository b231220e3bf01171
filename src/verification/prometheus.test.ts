import { describe, expect, it } from 'vitest';
import { connectionRefused, fakePrometheus } from './fake-prometheus.js';
import { PrometheusError, queryPrometheus } from './prometheus.js';

function answering(body: unknown, status = 200): typeof fetch {
  return fakePrometheus([{ status, body }]).fetch;
}

async function failure(fake: typeof fetch): Promise<PrometheusError> {
  const error: unknown = await queryPrometheus('http://127.0.0.1:9090', 'up', { fetch: fake }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PrometheusError);
  return error as PrometheusError;
}

describe('queryPrometheus', () => {
  it('sends the instant query to /api/v1/query under the base URL', async () => {
    const urls: string[] = [];
    const fetch = (async (url: URL) => {
      urls.push(url.href);
      return Response.json({ status: 'success', data: { resultType: 'vector', result: [] } });
    }) as unknown as typeof globalThis.fetch;
    await queryPrometheus('http://prom.test:9090/prefix', 'sum(rate(x[1m])) > 0', { fetch });
    expect(urls).toEqual(['http://prom.test:9090/prefix/api/v1/query?query=sum%28rate%28x%5B1m%5D%29%29+%3E+0']);
  });

  it('reads every series of a vector, with ±Inf and NaN, and the value of a scalar', async () => {
    const vector = {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { code: '500' }, value: [1, '0.25'] },
          { metric: { code: '502' }, value: [1, '+Inf'] },
          { metric: {}, value: [1, '-Inf'] },
          { metric: {}, value: [1, 'NaN'] },
        ],
      },
    };
    const samples = await queryPrometheus('http://p', 'q', { fetch: answering(vector) });
    expect(samples.slice(0, 3)).toEqual([
      { labels: { code: '500' }, value: 0.25 },
      { labels: { code: '502' }, value: Infinity },
      { labels: {}, value: -Infinity },
    ]);
    expect(samples[3]?.value).toBeNaN();
    const scalar = { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } };
    expect(await queryPrometheus('http://p', 'q', { fetch: answering(scalar) })).toEqual([{ labels: {}, value: 3 }]);
  });

  it('says the query was rejected, with Prometheus’s own words, for a PromQL error', async () => {
    const error = await failure(answering({ status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' }, 400));
    expect(error.failure).toBe('rejected');
    expect(error.code).toBe('prometheus-failed');
    expect(error.message).toBe('Prometheus rejected the query up: bad_data: parse error: unexpected end of input');
  });

  it('rejects a range-vector result: verification compares single values', async () => {
    const error = await failure(answering({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    expect(error.failure).toBe('rejected');
    expect(error.message).toMatch(/gives a matrix result/);
  });

  it('reports other error answers and non-API answers as failed, with the status', async () => {
    const timeout = await failure(answering({ status: 'error', errorType: 'timeout', error: 'query timed out' }, 503));
    expect([timeout.failure, timeout.message]).toEqual(['failed', 'Prometheus failed the query up: timeout: query timed out']);
    const proxy = await failure((async () => new Response('<html>Bad Gateway</html>', { status: 502 })) as typeof fetch);
    expect(proxy.message).toBe('Prometheus failed the query up: HTTP 502 <html>Bad Gateway</html>');
    const notApi = await failure((async () => new Response('hello')) as typeof fetch);
    expect(notApi.message).toMatch(/not a query result: hello/);
  });

  it('reports a network error as unreachable, naming the address and the socket error', async () => {
    const error = await failure(fakePrometheus([connectionRefused()]).fetch);
    expect([error.failure, error.message]).toEqual(['unreachable', 'Prometheus at http://127.0.0.1:9090 is unreachable: ECONNREFUSED']);
  });

  it('gives up after its timeout, and an abort rejects with the abort reason', async () => {
    const hanging = ((_: unknown, init: RequestInit) =>
      new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))) as unknown as typeof fetch;
    const error: unknown = await queryPrometheus('http://p', 'up', { fetch: hanging, timeoutMs: 20 }).catch((e: unknown) => e);
    expect((error as PrometheusError).message).toBe('Prometheus at http://p is unreachable: no answer within 0.02 s');
    const controller = new AbortController();
    const pending = queryPrometheus('http://p', 'up', { fetch: hanging, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
