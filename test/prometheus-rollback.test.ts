/**
 * A release whose error rate is high is stopped by the Prometheus analysis in staging: staging is
 * back on the previous release, verified, the failure is in status and events, and prod is never
 * touched. Real processes, a real Prometheus scraping the api's /metrics, real traffic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionDriver, Workspace, environmentVerifier, status } from '../src/engine/index.js';
import { startPrometheus, type PrometheusServer } from './harness/prometheus.js';
import { unusedPort } from './helpers/ports.js';
import { projectDir, removeProject } from './helpers/projects.js';

const PORTS = { dev: unusedPort(), staging: unusedPort(), prod: unusedPort() };
const ERROR_RATE = '(sum(rate(http_requests_total{job="${environment}",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{job="${environment}"}[5s]))';

const dir = projectDir('analysis');
let prometheus: PrometheusServer;
let ws: Workspace;
let engine: PromotionDriver;
let traffic: NodeJS.Timeout;

const project = (errorRate: string) => `project: analysis
services:
  api:
    workload:
      command: node
      args: [server.mjs]
      artifact: ./api
      env: { ERROR_RATE: "${errorRate}" }
      ports: { http: ${PORTS.dev} }
      readinessProbe: { httpGet: { path: /healthz, port: http } }
    environments:
      staging: { ports: { http: ${PORTS.staging} } }
      prod: { ports: { http: ${PORTS.prod} } }
environments:
  dev: { targets: [local] }
  staging:
    promotesFrom: [dev]
    targets: [local]
    verification:
      metrics:
        - name: error rate
          prometheus: { url: "PROMETHEUS" }
          query: '${ERROR_RATE}'
          windowSeconds: 8
          intervalSeconds: 2
          failWhen: { above: 0.1 }
  prod: { promotesFrom: [staging], targets: [local] }
targets:
  local: { runtime: process }
`;

const write = (errorRate: string) => writeFileSync(join(dir, 'slipway.yaml'), project(errorRate).replace('PROMETHEUS', prometheus.url));

async function runToEnd(id: string) {
  for (let i = 0; i < 200; i++) {
    await engine.runActive();
    const promotion = (await ws.store.getPromotion(id))!;
    if (['succeeded', 'failed'].includes(promotion.status)) return promotion;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('promotion did not finish');
}

beforeAll(async () => {
  prometheus = await startPrometheus({ scrapeTargets: Object.entries(PORTS).map(([job, port]) => ({ job, targets: [`127.0.0.1:${port}`] })), scrapeIntervalSeconds: 1 });
  write('0');
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  engine = new PromotionDriver(ws, { now: () => new Date(), verify: environmentVerifier() });
  // A steady trickle of requests to staging, loopback only, for as long as the suite runs.
  traffic = setInterval(() => void fetch(`http://127.0.0.1:${PORTS.staging}/`, { signal: AbortSignal.timeout(500) }).catch(() => undefined), 25);
});

afterAll(async () => {
  clearInterval(traffic);
  await removeProject(dir, ws);
  await prometheus?.stop();
});

describe('metric analysis in a promotion', () => {
  it('passes a healthy release, then stops a failing one in staging and rolls staging back', async () => {
    const good = await runToEnd((await engine.start({ service: 'api', actor: 'alice', version: '1.0.0' })).id);
    expect(good.status).toBe('succeeded');

    write('0.6');
    await ws.reload();
    const bad = await runToEnd((await engine.start({ service: 'api', actor: 'alice', version: '1.1.0' })).id);
    expect(bad.status).toBe('failed');
    expect(bad.environments.staging!.phase).toBe('rolled-back');
    expect(bad.environments.staging!.message).toMatch(/verification failed: error rate: .*above 0\.1.*1\.0\.0 runs again, ready/);
    expect(bad.environments.prod!.phase).toBe('skipped');

    const rows = Object.fromEntries((await status(ws)).map((r) => [r.environment, `${r.release} ${r.health}`]));
    expect(rows).toEqual({ dev: '1.1.0 healthy', staging: '1.0.0 healthy', prod: '1.0.0 healthy' });
    const staging = (await status(ws)).find((r) => r.environment === 'staging')!;
    expect(staging.incoming).toMatchObject({ version: '1.1.0', phase: 'rolled-back', message: expect.stringMatching(/verification failed: error rate/) });
    const answer = (await (await fetch(`http://127.0.0.1:${PORTS.staging}/`)).json()) as { release: string };
    expect(answer.release).toBe('1.0.0');
    const types = (await ws.store.listEvents({ service: 'api', environment: 'staging' })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['verification.failed', 'rollback.completed']));
    const prodDeployments = await ws.store.listDeployments({ service: 'api', environment: 'prod' });
    expect(prodDeployments.map((d) => d.releaseId)).toEqual([good.releaseId]);
  });
});
