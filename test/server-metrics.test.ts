/**
 * `/metrics` after real deployments through the HTTP API, on the process runtime, of a service
 * that becomes ready 1.2 s after it starts, or once the test lets it: step durations by kind (and
 * the same again from a new server, as after a restart), deployments queued behind one that runs,
 * and the convergence lag of a unit stopped behind Slipway's back. The text must pass promtool.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reconciler } from '../src/converge/index.js';
import { LocalOperations, Workspace } from '../src/engine/index.js';
import { startHttpServer, type HttpServer } from '../src/server/index.js';
import { projectDir, removeProject } from './helpers/projects.js';

const READY_AFTER_MS = 1200;
/** The reconciler's clock runs this far behind, so every difference it sees looks this old. */
const LAG_S = 90;

const dir = projectDir('server-metrics', []);
/** While this file exists, a starting `slow` does not become ready: a deployment of it waits as long as a test needs. */
const HOLD = join(dir, 'hold');
mkdirSync(join(dir, 'slow'));
writeFileSync(
  join(dir, 'slow', 'server.mjs'),
  `import http from 'node:http';
import { existsSync } from 'node:fs';
const serve = () => http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT));
const listen = () => (existsSync(${JSON.stringify(HOLD)}) ? setTimeout(listen, 50) : serve());
setTimeout(listen, ${READY_AFTER_MS});
`,
);
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: metrics-test
services:
  slow:
    workload:
      command: node
      args: [server.mjs]
      artifact: ./slow
      ports: { http: auto }
      readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 0.1 }
environments:
  dev: { targets: [local] }
  prod: { promotesFrom: [dev], targets: [local] }
targets:
  local: { runtime: process }
`,
);

let ws: Workspace;
let ops: LocalOperations;
let server: HttpServer;
let deployer: string;

/** The samples of `/metrics` by name and labels, e.g. `slipway_drift_units` or `slipway_queued_deployments{environment="dev"}`; the text passes promtool. */
async function scrape(from: HttpServer = server): Promise<Map<string, number>> {
  const text = await (await fetch(`${from.url}/metrics`)).text();
  expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
  return new Map(samples.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}

function deploy(environment: string): Promise<Response> {
  return fetch(`${server.url}/api/v1/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${deployer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'slow', environment }),
  });
}

/** Reads until `done` takes the value, or 30 s have passed; the last value read. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  for (const start = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const value = await read();
    if (done(value) || Date.now() - start > timeoutMs) return value;
  }
}

beforeAll(async () => {
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  const reconciler = new Reconciler(ws, { now: () => new Date(Date.now() - LAG_S * 1000) });
  ops = new LocalOperations(ws, { drive: 'inline', drift: () => reconciler.drift(), onClose: async () => {} });
  deployer = (await ws.store.tokens.createToken({ name: 'deployer', role: 'deployer', createdBy: 'test' })).secret;
  server = await startHttpServer(ops, { tokens: ws.store.tokens });
});

afterAll(async () => {
  await server?.close();
  await removeProject(dir, ws);
});

describe('/metrics', () => {
  it('counts how long each finished step took, by kind, from the audit log, so a new server counts the same', async () => {
    for (const environment of ['dev', 'prod']) expect((await deploy(environment)).status).toBe(200);
    const steps = (await Promise.all((await ws.store.listDeployments({ service: 'slow' })).map((d) => ws.store.getDeployment(d.id)))).flatMap((d) => d!.steps);
    expect(steps.map((s) => s.kind)).toEqual(['deploy', 'deploy']);
    const seconds = steps.map((s) => (s.finishedAt!.getTime() - s.startedAt.getTime()) / 1000);
    expect(Math.min(...seconds)).toBeGreaterThanOrEqual(READY_AFTER_MS / 1000);

    const metrics = await scrape();
    expect(metrics.get('slipway_deployments_total{outcome="succeeded",environment="dev"}')).toBe(1);
    expect(metrics.get('slipway_deployments_total{outcome="succeeded",environment="prod"}')).toBe(1);
    expect(metrics.get('slipway_deployment_step_duration_seconds_count{kind="deploy"}')).toBe(2);
    expect(metrics.get('slipway_deployment_step_duration_seconds_sum{kind="deploy"}')).toBeCloseTo(seconds[0]! + seconds[1]!, 3);
    expect(metrics.get('slipway_deployment_step_duration_seconds_bucket{kind="deploy",le="1"}')).toBe(0);
    expect(metrics.get('slipway_deployment_step_duration_seconds_bucket{kind="deploy",le="+Inf"}')).toBe(2);
    expect(metrics.get('slipway_incoming_releases{environment="dev"}')).toBe(0);

    const restarted = await startHttpServer(ops, { tokens: ws.store.tokens });
    try {
      const again = await scrape(restarted);
      for (const name of [...metrics.keys()].filter((n) => n.startsWith('slipway_deployment'))) expect(again.get(name), name).toBe(metrics.get(name));
    } finally {
      await restarted.close();
    }
  });

  it('counts deployments waiting behind one that runs in the same service and environment', async () => {
    appendFileSync(join(dir, 'slow', 'server.mjs'), '// v2\n');
    writeFileSync(HOLD, ''); // the running deployment waits until the queue behind it has been seen
    const running = deploy('dev');
    // The newest deployment event, not the newest event: the new instance's own events follow at once.
    const newestDeploymentEvent = (events: readonly { type: string }[]) => events.filter((e) => e.type.startsWith('deployment.')).at(-1)?.type;
    const started = await until(() => ops.events({ service: 'slow', environment: 'dev', last: 20 }), (events) => newestDeploymentEvent(events) === 'deployment.started');
    expect(newestDeploymentEvent(started)).toBe('deployment.started');
    const queued = [deploy('dev'), deploy('dev')];
    const during = await until(scrape, (m) => m.get('slipway_queued_deployments{environment="dev"}') === 2);
    expect(during.get('slipway_queued_deployments{environment="dev"}')).toBe(2);
    expect(during.get('slipway_queued_deployments{environment="prod"}')).toBe(0);
    expect(await (await fetch(`${server.url}/api/v1/queue`, { headers: { authorization: `Bearer ${deployer}` } })).json()).toEqual([{ service: 'slow', environment: 'dev', waiting: 2 }]);
    rmSync(HOLD);
    expect((await Promise.all([running, ...queued])).map((res) => res.status)).toEqual([200, 200, 200]);
    expect((await scrape()).get('slipway_queued_deployments{environment="dev"}')).toBe(0);
  });

  it('tells how long the oldest difference the reconcile loop may correct has lasted, and 0 once it is held back', async () => {
    expect((await scrape()).get('slipway_convergence_lag_seconds')).toBe(0);
    await ws.runtime('local').remove({ service: 'slow', environment: 'prod', target: 'local' });
    const stopped = await scrape();
    expect(stopped.get('slipway_drift_units')).toBe(1);
    expect(stopped.get('slipway_convergence_lag_seconds')).toBeGreaterThanOrEqual(LAG_S);
    expect(stopped.get('slipway_convergence_lag_seconds')).toBeLessThan(LAG_S + 30);
    await ops.convergence({ service: 'slow', environment: 'prod', paused: true, actor: 'test', reason: 'looking into it' });
    const paused = await scrape();
    expect([paused.get('slipway_drift_units'), paused.get('slipway_convergence_lag_seconds')]).toEqual([1, 0]);
  });
});
