/**
 * The API's main reads under load: `slipway server`'s control plane (loops and HTTP API) on
 * 1,000 services × 3 environments, in a child process of its own, and the load generators here,
 * in this process, so that the load and the server each have a core and neither's work is counted
 * as the other's latency. Each read is measured twice after a warm-up:
 *
 * - at a steady RATE requests per second, evenly spaced, whatever the answers do (open loop; a
 *   latency counts from when the request was due, so a stall counts for every request it delays):
 *   the latency people see on a busy server; target from DESIGN.md, p99 under 20 ms;
 * - flat out with autocannon, CONNECTIONS clients each sending its next request when the last is
 *   answered: how many one server answers per second.
 *
 * Not autocannon's own fixed rate: it sends each connection's share back to back at the start of
 * every second, and corrects for coordinated omission with an expected interval of 1 ms, so that
 * one slow answer becomes hundreds of samples.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
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

/** A read measured: a path (chosen anew for every request where it names a service) and any headers it is sent with. */
interface Read {
  readonly name: string;
  readonly path: () => string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The reads measured. Status twice: as plain HTTP clients ask, and as browsers and `fetch` do. */
const READS: readonly Read[] = [
  { name: 'GET /api/v1/status', path: () => '/api/v1/status' },
  { name: 'GET /api/v1/status, gzip accepted', path: () => '/api/v1/status', headers: { 'accept-encoding': 'gzip' } },
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

/** Latencies in ms of one read sent every 1000/`rate` ms for `durationS` seconds, each counted from when it was due; throws on any answer that is not 200. */
async function steady(ready: ApiReadServer, read: Read, rate: number, durationS: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const headers = { ...read.headers, authorization: `Bearer ${ready.token}` };
  const one = (due: number) =>
    new Promise<number>((resolve, reject) => {
      get(`${ready.url}${read.path()}`, { agent, headers }, (res) => {
        // A compressed answer counts until the client has it all uncompressed, as a browser would.
        const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
        body.resume();
        body.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - due) : reject(new Error(`${read.name}: ${res.statusCode}`))));
      }).on('error', reject);
    });
  const start = performance.now();
  const answers: Promise<number>[] = [];
  for (let i = 0; i < rate * durationS; i++) {
    const due = start + (i * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    answers.push(one(due));
  }
  try {
    return (await Promise.all(answers)).sort((a, b) => a - b);
  } finally {
    agent.destroy();
  }
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** autocannon against one read, flat out; throws when any answer is not 2xx. */
async function flatOut(ready: ApiReadServer, read: Read, durationS: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: ready.url,
    connections: CONNECTIONS,
    duration: durationS,
    headers: { ...read.headers, authorization: `Bearer ${ready.token}` },
    requests: [{ setupRequest: (request) => ({ ...request, path: read.path() }) }],
  });
  if (result.non2xx || result.errors) throw new Error(`${read.name}: ${result.non2xx} answers were not 2xx and ${result.errors} failed`);
  return result;
}

const benchmark: Benchmark = {
  name: 'api-read',
  description: `API reads (status, events, history, explain) with ${SERVICES.toLocaleString('en-US')} services × ${ENVIRONMENTS.length} environments at a steady ${RATE} req/s and flat out (autocannon, ${CONNECTIONS} connections), control plane loops running`,
  async run(): Promise<Result[]> {
    const { child, ready } = await startServer();
    try {
      const results: Result[] = [
        { measure: `set-up: ${ready.deployments} deployments recorded (null runtime), ${ready.events} events`, value: ready.setupMs / 1000, unit: 's' },
      ];
      for (const read of READS) {
        await steady(ready, read, RATE, WARM_UP_S);
        const latencies = await steady(ready, read, RATE, DURATION_S);
        const most = await flatOut(ready, read, FLAT_OUT_S);
        results.push(
          { measure: `${read.name} at ${RATE} req/s: p99 latency (max ${Math.round(latencies.at(-1)!)})`, value: percentile(latencies, 99), unit: 'ms', target: TARGET_P99_MS },
          { measure: `${read.name} at ${RATE} req/s: p50 latency`, value: percentile(latencies, 50), unit: 'ms' },
          { measure: `${read.name} flat out, ${CONNECTIONS} connections: requests per second (p50 ${most.latency.p50} ms, p99 ${most.latency.p99} ms)`, value: most.requests.average, unit: 'req/s' },
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
