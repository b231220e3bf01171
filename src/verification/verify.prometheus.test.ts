/**
 * Verification against the real thing: Debian's Prometheus scraping the quickstart API, run twice
 * (no injected errors, and half its requests failing) while a bounded loop sends it traffic on
 * loopback. The error-rate analysis must pass the first and fail the second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../runtimes/kit/ports.js';
import { startPrometheus, type PrometheusServer } from '../../test/harness/prometheus.js';
import { stopChild } from '../../test/harness/podman.js';
import { systemClock, type Clock } from './clock.js';
import { queryPrometheus } from './prometheus.js';
import { verify } from './run.js';
import { Verification, type VerificationTarget } from './types.js';

const SERVER = fileURLToPath(new URL('../../examples/quickstart/api/server.mjs', import.meta.url));
/** 5xx share of requests over 10 s; `or vector(0)` because the 5xx series does not exist until a request fails. */
const ERROR_RATE = '(sum(rate(http_requests_total{service="${service}",code=~"5.."}[10s])) or vector(0)) / sum(rate(http_requests_total{service="${service}"}[10s]))';

interface Api {
  readonly service: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts the quickstart API on a free loopback port; resolves once it says it listens. */
async function startApi(service: string, errorRate: number): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, PORT: String(port), ERROR_RATE: String(errorRate), SLIPWAY_SERVICE: service },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the quickstart api exited (${code}) before listening`)));
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
  });
  return { service, url: `http://127.0.0.1:${port}`, child };
}

/** Sends GET / to each API every 10 ms until stopped, at most 2 500 requests each and 30 s. */
function sendTraffic(apis: readonly Api[]): { stop(): Promise<unknown> } {
  let stopped = false;
  const loops = apis.map(async (api) => {
    for (let sent = 0, deadline = Date.now() + 30_000; !stopped && sent < 2_500 && Date.now() < deadline; sent++) {
      await fetch(`${api.url}/`).then((r) => r.arrayBuffer());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  return {
    stop: () => {
      stopped = true;
      return Promise.all(loops);
    },
  };
}

/** Resolves once `query` has data for every service (the first scrape lands up to ~5 s after start). */
async function untilData(prometheus: PrometheusServer, services: readonly string[]): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await systemClock.sleep(250)) {
    const counts = await Promise.all(services.map((service) => queryPrometheus(prometheus.url, `sum(rate(http_requests_total{service="${service}"}[10s]))`)));
    if (counts.every((samples) => samples.length > 0)) return;
  }
  throw new Error('Prometheus had no request rate for the quickstart APIs within 60 s');
}

let apis: Api[] = [];
let prometheus: PrometheusServer | undefined;
let traffic: { stop(): Promise<unknown> } | undefined;

beforeAll(async () => {
  apis = await Promise.all([startApi('api-good', 0), startApi('api-bad', 0.5)]);
  prometheus = await startPrometheus({
    scrapeTargets: apis.map((api) => ({ job: api.service, targets: [new URL(api.url).host], labels: { service: api.service } })),
  });
  traffic = sendTraffic(apis);
  await untilData(prometheus, apis.map((api) => api.service));
});

afterAll(async () => {
  await traffic?.stop();
  await prometheus?.stop();
  await Promise.all(apis.map((api) => stopChild(api.child)));
});

/** Real time, with every deliberate wait written down. */
function recordingClock(): Clock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => systemClock.now(), sleep: (ms, signal) => (sleeps.push(ms), systemClock.sleep(ms, signal)) };
}

describe('verify with a real Prometheus scraping the quickstart API', () => {
  it('passes the release without errors and fails the one answering half its requests with 500', async () => {
    const spec = Verification.parse({
      http: [{ path: '/healthz' }],
      metrics: [{ name: 'error rate', prometheus: { url: prometheus!.url }, query: ERROR_RATE, windowSeconds: 4, intervalSeconds: 1, failWhen: { above: 0.05 } }],
    });
    const target = (api: Api): VerificationTarget => ({ service: api.service, environment: 'staging', release: '1.0.0', endpoints: [api.url] });
    const clocks = apis.map(() => recordingClock());
    const [good, bad] = await Promise.all(apis.map((api, i) => verify(spec, target(api), { clock: clocks[i]! })));

    expect(good!.passed, JSON.stringify(good, null, 2)).toBe(true);
    expect(good!.checks.map((c) => c.outcome)).toEqual(['passed', 'passed']);
    expect(good!.checks[1]!.message).toMatch(/^error rate 0 over 4 s, never above 0\.05 \(4 measurements\)$/);

    expect(bad!.passed).toBe(false);
    const analysis = bad!.checks[1]!;
    expect(analysis.outcome, analysis.message).toBe('failed');
    expect(analysis.message).toMatch(/^error rate 0\.\d+ above 0\.05 at \d\d:\d\d:\d\d UTC \(1 of 1 measurement breached\)$/);
    expect(analysis.measurements![0]!.value).toBeGreaterThan(0.2);
    expect(analysis.measurements![0]!.value).toBeLessThan(0.8);

    // The good one waited out its window (4 intervals of 1 s); the bad one stopped at its first breach.
    expect(clocks.map((c) => c.sleeps)).toEqual([[1000, 1000, 1000, 1000], [1000]]);
  });
});
