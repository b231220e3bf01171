import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { connectionRefused, fakePrometheus, type ScriptedAnswer } from './fake-prometheus.js';
import { runMetricCheck, substituteQuery } from './metric-check.js';
import { MetricCheck, type VerificationTarget } from './types.js';

const target: VerificationTarget = { service: 'api', environment: 'staging', release: '1.4.0', endpoints: [] };
const noon = Date.parse('2025-01-01T12:00:00Z');

function check(fields: Partial<MetricCheck> = {}): MetricCheck {
  return MetricCheck.parse({
    name: 'error rate',
    prometheus: { url: 'http://127.0.0.1:9090' },
    query: 'errors{service="${service}"}',
    windowSeconds: 10,
    intervalSeconds: 2,
    failWhen: { above: 0.05 },
    ...fields,
  });
}

async function run(fields: Partial<MetricCheck>, answers: readonly ScriptedAnswer[]) {
  const clock = manualClock(noon);
  const prometheus = fakePrometheus(answers);
  const progress: string[] = [];
  const result = await runMetricCheck(check(fields), target, { clock, fetch: prometheus.fetch, onProgress: (m) => progress.push(m) });
  return { result, queries: prometheus.queries, clock, progress };
}

describe('runMetricCheck', () => {
  it('measures once per interval across the window, the first one interval in, and passes within the threshold', async () => {
    const { result, queries, clock, progress } = await run({}, [0.01, 0, 0.02, 0.05, 0.03]);
    expect(queries).toHaveLength(5);
    expect(result.measurements?.map((m) => (m.at - noon) / 1000)).toEqual([2, 4, 6, 8, 10]);
    expect(clock.now() - noon).toBe(10_000);
    expect(result).toMatchObject({ kind: 'metric', outcome: 'passed', passed: true });
    expect(result.message).toBe('error rate between 0 and 0.05 over 10 s, never above 0.05 (5 measurements)');
    expect(progress[0]).toBe('error rate: 0.01 at 12:00:02 UTC (measurement 1 of 5)');
  });

  it('fails at the first breach by default, without waiting out the window', async () => {
    const { result, queries, clock } = await run({}, [0.01, 0.42, 0]);
    expect(queries).toHaveLength(2);
    expect(clock.now() - noon).toBe(4_000);
    expect(result).toMatchObject({ outcome: 'failed', passed: false });
    expect(result.message).toBe('error rate 0.42 above 0.05 at 12:00:04 UTC (1 of 2 measurements breached)');
  });

  it('fails when a value is below `below` (e.g. throughput collapsing)', async () => {
    const { result } = await run({ name: 'throughput', failWhen: { below: 10 } }, [25, 3.14159]);
    expect(result.message).toBe('throughput 3.14 below 10 at 12:00:04 UTC (1 of 2 measurements breached)');
  });

  it('with both bounds, fails on either side', async () => {
    expect((await run({ failWhen: { above: 0.9, below: 0.1 } }, [0.5, 0.95])).result.message).toMatch(/0\.95 above 0\.9/);
    expect((await run({ failWhen: { above: 0.9, below: 0.1 } }, [0.5, 0.05])).result.message).toMatch(/0\.05 below 0\.1/);
    expect((await run({ failWhen: { above: 0.9, below: 0.1 } }, [0.5])).result.message).toMatch(/never above 0\.9 or below 0\.1/);
  });

  it('tolerates `failureLimit` breaches and fails on the next one', async () => {
    const tolerated = await run({ failureLimit: 2 }, [0.1, 0, 0.2, 0, 0]);
    expect(tolerated.result.passed).toBe(true);
    expect(tolerated.result.message).toBe('error rate between 0 and 0.2 over 10 s, 2 of 5 measurements above 0.05 (2 allowed) (5 measurements)');
    const exceeded = await run({ failureLimit: 2 }, [0.1, 0, 0.2, 0.3, 0]);
    expect(exceeded.result.passed).toBe(false);
    expect(exceeded.queries).toHaveLength(4);
    expect(exceeded.result.message).toBe('error rate 0.3 above 0.05 at 12:00:08 UTC (3 of 4 measurements breached, 2 allowed)');
  });

  it('decides by `inconclusive` when no measurement had data, failing by default', async () => {
    const failed = await run({}, [null]);
    expect(failed.queries).toHaveLength(5);
    expect(failed.result.passed).toBe(false);
    expect(failed.result.message).toBe('error rate: no data over 10 s (5 measurements; last: the query returned no series); inconclusive, failed');
    const passed = await run({ inconclusive: 'pass' }, [null]);
    expect(passed.result.passed).toBe(true);
    expect(passed.result.message).toMatch(/inconclusive, passed as configured$/);
  });

  it('counts NaN (0/0: no traffic yet) as no data, not as a pass or a breach', async () => {
    const { result } = await run({}, [NaN, NaN, 0.5]);
    expect(result.measurements?.slice(0, 2).map((m) => [m.value, m.note])).toEqual([
      [null, 'the query gave NaN (no traffic?)'],
      [null, 'the query gave NaN (no traffic?)'],
    ]);
    expect(result.message).toMatch(/^error rate 0\.5 above 0\.05 .*\(1 of 3 measurements breached\)$/);
  });

  it('takes an unreachable Prometheus as a measurement without data, not a crash', async () => {
    const down = await run({}, [connectionRefused()]);
    expect(down.result.passed).toBe(false);
    expect(down.result.message).toBe(
      'error rate: no data over 10 s (5 measurements; last: Prometheus at http://127.0.0.1:9090 is unreachable: ECONNREFUSED); inconclusive, failed',
    );
    const flaky = await run({}, [connectionRefused(), 0.01, 0.02, connectionRefused(), 0]);
    expect(flaky.result.passed).toBe(true);
    expect(flaky.result.message).toBe('error rate between 0 and 0.02 over 10 s, never above 0.05 (5 measurements; 2 without data)');
  });

  it('fails at once, with Prometheus’s words, when Prometheus rejects the query', async () => {
    const { result, queries } = await run({}, [{ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 7' } }]);
    expect(queries).toHaveLength(1);
    expect(result.passed).toBe(false);
    expect(result.message).toBe('error rate: Prometheus rejected the query errors{service="api"}: bad_data: parse error at char 7');
  });

  it('judges every series and reports the one that breached', async () => {
    const clock = manualClock(noon);
    const fetch = (async () =>
      Response.json({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { instance: 'a' }, value: [0, '0.01'] }, { metric: { instance: 'b' }, value: [0, '0.3'] }] },
      })) as typeof globalThis.fetch;
    const result = await runMetricCheck(check(), target, { clock, fetch });
    expect(result.message).toBe('error rate 0.3 above 0.05 at 12:00:02 UTC for series {instance="b"} (of 2) (1 of 1 measurement breached)');
  });

  it('substitutes the target into the query it sends', async () => {
    const { queries } = await run({ query: 'x{service="${service}", env="${environment}", release="${release}"}' }, [0]);
    expect(queries[0]).toBe('x{service="api", env="staging", release="1.4.0"}');
  });

  it('stops when its signal aborts, rejecting with the reason', async () => {
    const controller = new AbortController();
    const prometheus = fakePrometheus([0]);
    const pending = runMetricCheck(check(), target, { clock: manualClock(), fetch: prometheus.fetch, signal: controller.signal, onProgress: () => controller.abort(new Error('cancelled')) });
    await expect(pending).rejects.toThrow('cancelled');
    expect(prometheus.queries).toHaveLength(1);
  });
});

describe('substituteQuery', () => {
  it('escapes quotes and backslashes so a value cannot break out of a label matcher', () => {
    expect(substituteQuery('x{release="${release}"}', { service: 's', environment: 'e', release: 'a"b\\c' })).toBe('x{release="a\\"b\\\\c"}');
  });
});
