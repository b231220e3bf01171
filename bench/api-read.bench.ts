/**
 * The API's main reads under load: `slipway server`'s control plane (loops and HTTP API) on
 * 1,000 services × 3 environments, in a child process of its own, and autocannon here, in this
 * process, so that the load generator and the server each have a core and neither's work is
 * counted as the other's latency. Each read is measured twice after a warm-up: at a steady
 * RATE requests per second over CONNECTIONS connections (the latency people see on a busy
 * server; target from DESIGN.md: p99 under 20 ms), then flat out, CONNECTIONS clients each
 * sending its next request when the last is answered (what one server can answer per second).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ENVIRONMENTS, SERVICES, serviceName, type ApiReadServer } from './api-read-server.js';
import type { Benchmark, Result } from './types.js';

const server = fileURLToPath(new URL('./api-read-server.ts', import.meta.url));
const CONNECTIONS = 10;
const RATE = 50;
const WARM_UP_S = 3;
const DURATION_S = 10;
const FLAT_OUT_S = 5;
const TARGET_P99_MS = 20;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const anyService = () => serviceName(Math.floor(Math.random() * SERVICES));

/** The reads measured, each a path (chosen anew for every request where it names a service). */
const READS: readonly { readonly name: string; readonly path: () => string }[] = [
  { name: 'GET /api/v1/status', path: () => '/api/v1/status' },
  { name: 'GET /api/v1/events?last=100', path: () => '/api/v1/events?last=100' },
  { name: 'GET /api/v1/services/{s}/history', path: () => `/api/v1/services/${anyService()}/history` },
  { name: 'GET /api/v1/services/{s}/explain', path: () => `/api/v1/services/${anyService()}/explain?environment=${pick(ENVIRONMENTS)}` },
];

/** Starts the server process and resolves with what it prints once it answers. */
async function startServer(): Promise<{ child: ChildProcess; ready: ApiReadServer }> {
  const child = spawn(process.execPath, ['--import', 'tsx', server], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const ready = await new Promise<ApiReadServer>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API server exited (${code}) before it answered`)));
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as ApiReadServer);
    });
  });
  return { child, ready };
}

/** autocannon against one read, at `rate` requests per second across all connections or flat out; throws when any answer is not 2xx. */
async function load(ready: ApiReadServer, read: (typeof READS)[number], durationS: number, rate?: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: ready.url,
    connections: CONNECTIONS,
    duration: durationS,
    ...(rate && { overallRate: rate }),
    headers: { authorization: `Bearer ${ready.token}` },
    requests: [{ setupRequest: (request) => ({ ...request, path: read.path() }) }],
  });
  if (result.non2xx || result.errors) throw new Error(`${read.name}: ${result.non2xx} answers were not 2xx and ${result.errors} failed`);
  return result;
}

const benchmark: Benchmark = {
  name: 'api-read',
  description: `API reads (status, events, history, explain) with ${SERVICES.toLocaleString('en-US')} services × ${ENVIRONMENTS.length} environments at ${RATE} req/s and flat out, ${CONNECTIONS} connections, control plane loops running`,
  async run(): Promise<Result[]> {
    const { child, ready } = await startServer();
    try {
      const results: Result[] = [
        { measure: `set-up: ${ready.deployments} deployments recorded (null runtime), ${ready.events} events`, value: ready.setupMs / 1000, unit: 's' },
      ];
      for (const read of READS) {
        await load(ready, read, WARM_UP_S, RATE);
        const { latency } = await load(ready, read, DURATION_S, RATE);
        const flatOut = await load(ready, read, FLAT_OUT_S);
        results.push(
          { measure: `${read.name} at ${RATE} req/s: p99 latency`, value: latency.p99, unit: 'ms', target: TARGET_P99_MS },
          { measure: `${read.name} at ${RATE} req/s: p50 latency`, value: latency.p50, unit: 'ms' },
          { measure: `${read.name} flat out: requests per second (p50 ${flatOut.latency.p50} ms, p99 ${flatOut.latency.p99} ms)`, value: flatOut.requests.average, unit: 'req/s' },
        );
      }
      return results;
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  },
};

export default benchmark;
