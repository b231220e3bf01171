import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { fakePrometheus } from './fake-prometheus.js';
import { verify } from './run.js';
import { Verification, type VerificationInput, type VerificationTarget } from './types.js';

let server: Server;
let target: VerificationTarget;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/broken' ? 500 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = { service: 'api', environment: 'staging', release: '2', endpoints: [`http://127.0.0.1:${(server.address() as { port: number }).port}`] };
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const prometheus = { url: 'http://127.0.0.1:9090' };
const metric = (name: string, windowSeconds: number) => ({ name, prometheus, query: `${name.replace(/ /g, '_')}{service="\${service}"}`, windowSeconds, intervalSeconds: 1, failWhen: { above: 1 } });
const node = (name: string, code: number) => ({ name, command: process.execPath, args: ['-e', `process.exit(${code})`] });

/** A fetch that sends loopback URLs to the real network and Prometheus queries to `prometheusFetch`. */
function routing(prometheusFetch: typeof fetch): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) =>
    String(input).startsWith(prometheus.url) ? prometheusFetch(input, init) : fetch(input, init)) as typeof fetch;
}

async function run(spec: VerificationInput, answers: (number | null)[] = [0]) {
  const clock = manualClock(0);
  const fake = fakePrometheus(answers);
  const progress: string[] = [];
  const result = await verify(Verification.parse(spec), target, { clock, fetch: routing(fake.fetch), onProgress: (m) => progress.push(m) });
  return { result, clock, queries: fake.queries, progress };
}

const summary = (checks: readonly { name: string; outcome: string }[]) => checks.map((c) => `${c.name}: ${c.outcome}`);

describe('verify', () => {
  it('passes an empty spec', async () => {
    expect((await run({})).result).toEqual({ passed: true, checks: [] });
  });

  it('runs HTTP checks, then commands, then metrics, and passes when all pass', async () => {
    const { result, queries, clock, progress } = await run({
      http: [{ path: '/healthz' }],
      commands: [node('smoke', 0)],
      metrics: [metric('error rate', 3), metric('latency p99', 2)],
    });
    expect(summary(result.checks)).toEqual(['GET /healthz: passed', 'smoke: passed', 'error rate: passed', 'latency p99: passed']);
    expect(result.passed).toBe(true);
    expect(queries).toHaveLength(5);
    expect(clock.now()).toBe(3_000); // the metric windows ran side by side
    expect(progress.map((line) => line.split(':')[0])).toEqual(expect.arrayContaining(['smoke', 'error rate', 'latency p99']));
  });

  it('does not run later stages once a stage failed', async () => {
    const { result, queries } = await run({
      http: [{ path: '/broken', attempts: 1 }],
      commands: [node('smoke', 0)],
      metrics: [metric('error rate', 3)],
    });
    expect(result.passed).toBe(false);
    expect(summary(result.checks)).toEqual(['GET /broken: failed', 'smoke: skipped', 'error rate: skipped']);
    expect(result.checks[2]?.message).toBe('error rate: not run: GET /broken failed');
    expect(queries).toHaveLength(0);
  });

  it('stops at the first failing command', async () => {
    const { result } = await run({ commands: [node('migrate check', 1), node('smoke', 0)], metrics: [metric('error rate', 3)] });
    expect(summary(result.checks)).toEqual(['migrate check: failed', 'smoke: skipped', 'error rate: skipped']);
  });

  it('stops the other metric windows as soon as one metric fails', async () => {
    const clock = manualClock(0);
    const answers: Record<string, number[]> = { 'error_rate{service="api"}': [0, 5], 'latency_p99{service="api"}': [0] };
    const asked: string[] = [];
    const fetch = (async (input: string | URL) => {
      const query = new URL(String(input)).searchParams.get('query')!;
      asked.push(query);
      const value = answers[query]![asked.filter((q) => q === query).length - 1] ?? 0;
      return Response.json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, String(value)] }] } });
    }) as typeof globalThis.fetch;
    const result = await verify(Verification.parse({ metrics: [metric('error rate', 60), metric('latency p99', 600)] }), target, { clock, fetch });
    expect(summary(result.checks)).toEqual(['error rate: failed', 'latency p99: skipped']);
    expect(result.checks[0]?.message).toBe('error rate 5 above 1 at 00:00:02 UTC (1 of 2 measurements breached)');
    expect(result.checks[1]?.message).toBe('latency p99: stopped before it decided: error rate failed');
    expect(clock.now()).toBeLessThan(5_000);
  });

  it('rejects with the reason when its signal aborts, and stops waiting', async () => {
    const clock = manualClock(0);
    const controller = new AbortController();
    const fake = fakePrometheus([0]);
    const pending = verify(Verification.parse({ metrics: [metric('error rate', 3600)] }), target, {
      clock,
      fetch: fake.fetch,
      signal: controller.signal,
      onProgress: () => fake.queries.length === 3 && controller.abort(new Error('promotion cancelled')),
    });
    await expect(pending).rejects.toThrow('promotion cancelled');
    expect(fake.queries).toHaveLength(3);
  });
});
