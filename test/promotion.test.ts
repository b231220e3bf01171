/**
 * The promotion engine on real processes: a release through dev → staging → prod with prod's
 * approval, a failed verification rolled back, a dependency waited for, a freeze window and its
 * audited override. Time is an injected clock; verification is a stand-in here (the Prometheus
 * analysis has its own test).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionDriver, Workspace, status, type Promotion } from '../src/engine/index.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const dir = projectDir('promotion', ['api', 'worker']);
writeFileSync(
  join(dir, 'policy.yaml'),
  `owner: security
environments:
  prod:
    constraints:
      approvals: { count: 1, groups: [sre] }
      freezeWindows:
        - name: weekend
          weekly: { from: "Fri 15:00", to: "Mon 06:00" }
`,
);
const project = (workerDependsOn = 'v2') => `project: promo
layers: [policy.yaml]
services:
  api:
    owner: team-api
${API_WORKLOAD}
  worker:
    owner: team-worker
    dependsOn: [{ service: api, minVersion: ${workerDependsOn} }]
    workload:
      command: node
      args: [server.mjs]
      artifact: ./worker
      ports: { http: auto }
environments:
  dev: { targets: [local] }
  staging: { promotesFrom: [dev], targets: [local], soakSeconds: 60 }
  prod: { promotesFrom: [staging], targets: [local] }
targets:
  local: { runtime: process }
`;
writeFileSync(join(dir, 'slipway.yaml'), project());

let ws: Workspace;
let clock = new Date('2026-11-25T10:00:00Z'); // a Wednesday
let failVerificationIn: string | undefined;
let engine: PromotionDriver;

/** Steps every active promotion until each waits for a person or is done, moving the clock through timed waits (soak). */
/**
 * Steps the promotions until each active one waits for a person or a gate. A step that waits on
 * something real (a rollout's instances becoming ready on a busy machine) gives no time to skip
 * ahead: then it is looked at again shortly, in real time.
 */
async function settle(limit = 600): Promise<void> {
  for (let i = 0; i < limit; i++) {
    const wait = await engine.runActive();
    const active = await ws.store.listPromotions({ active: true });
    if (active.every((p) => p.status === 'waiting' || p.status === 'paused')) return;
    if (wait === undefined) await new Promise((r) => setTimeout(r, 50));
    else clock = new Date(clock.getTime() + wait);
  }
  throw new Error(`promotions did not settle: ${JSON.stringify((await ws.store.listPromotions({ active: true })).map((p) => [p.service, p.version, p.status]))}`);
}

/** Where a promotion stands in each environment, for a failure's message. */
const phases = async (id: string) => JSON.stringify((await ws.store.getPromotion(id))?.environments);

const versions = async (service: string) =>
  Object.fromEntries((await status(ws)).filter((r) => r.service === service).map((r) => [r.environment, `${r.release ?? '-'} ${r.health}`]));

beforeAll(async () => {
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  engine = new PromotionDriver(ws, { now: () => clock,
    verify: async ({ environment, endpoints }) => {
      if (environment === failVerificationIn) return { passed: false, message: 'error rate 0.50 above 0.05' };
      const answers = await Promise.all(endpoints.map(async ({ url }) => (await fetch(url)).status));
      return { passed: answers.every((s) => s === 200), message: `${answers.length} endpoints answered` };
    },
  });
});

afterAll(() => removeProject(dir, ws));

describe('promotion', () => {
  let first: Promotion;

  it('carries a good release dev → staging → prod, stopping for the approval prod requires', async () => {
    first = await engine.start({ service: 'api', actor: 'alice' });
    await settle();
    let promotion = (await ws.store.getPromotion(first.id))!;
    expect(promotion.status).toBe('waiting');
    expect(promotion.environments.prod).toMatchObject({ phase: 'gated', message: 'waiting for 1 approval from group sre' });
    expect(await versions('api')).toEqual({ dev: 'v1 healthy', staging: 'v1 healthy', prod: '- not-deployed' });

    // Approvals that could not count are refused, and nothing is recorded: the starter's own, one from another group.
    await expect(engine.decide(first.id, 'prod', { actor: 'alice', groups: ['sre'], approved: true })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(engine.decide(first.id, 'prod', { actor: 'bob', groups: ['dev'], approved: true })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await ws.store.listApprovals(first.id)).toEqual([]);
    await settle();
    expect((await ws.store.getPromotion(first.id))!.environments.prod!.message).toBe('waiting for 1 approval from group sre');

    await engine.decide(first.id, 'prod', { actor: 'carol', groups: ['sre'], approved: true });
    await settle();
    promotion = (await ws.store.getPromotion(first.id))!;
    expect(promotion.status).toBe('succeeded');
    expect(await versions('api')).toEqual({ dev: 'v1 healthy', staging: 'v1 healthy', prod: 'v1 healthy' });
    const types = (await ws.store.listEvents({ service: 'api' })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['promotion.started', 'promotion.waiting', 'promotion.approved', 'verification.passed', 'promotion.advanced', 'promotion.completed']));
  });

  it('rolls staging back when verification fails there, and never touches prod', async () => {
    writeFileSync(join(dir, 'api', 'VERSION'), 'v2\n');
    await ws.reload();
    failVerificationIn = 'staging';
    try {
      const second = await engine.start({ service: 'api', actor: 'alice' });
      await settle();
      const promotion = (await ws.store.getPromotion(second.id))!;
      expect(promotion.status).toBe('failed');
      expect(promotion.environments.dev!.phase).toBe('succeeded');
      expect(promotion.environments.staging).toMatchObject({ phase: 'rolled-back' });
      expect(promotion.environments.staging!.message).toMatch(/verification failed: error rate 0\.50 above 0\.05.*v1 runs again/);
      expect(promotion.environments.prod!.phase).toBe('skipped');
      expect(await versions('api')).toEqual({ dev: 'v2 healthy', staging: 'v1 healthy', prod: 'v1 healthy' });
      const events = await ws.store.listEvents({ service: 'api', environment: 'staging' });
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['verification.failed', 'rollback.completed']));
      // The rollout itself succeeded: its deployment ends once, succeeded; the failure is the verification's.
      expect(events.filter((e) => e.type === 'deployment.failed')).toEqual([]);
      expect(events.filter((e) => e.type === 'deployment.succeeded')).toHaveLength(events.filter((e) => e.type === 'deployment.started').length);
    } finally {
      failVerificationIn = undefined;
    }
  });

  it('holds a service back until its dependency runs at the version it needs', async () => {
    const first = await engine.start({ service: 'worker', actor: 'alice', only: 'dev' });
    await settle();
    expect((await ws.store.getPromotion(first.id))!.status, await phases(first.id)).toBe('succeeded');
    await expect(engine.start({ service: 'worker', actor: 'alice', version: 'v9', only: 'staging' })).rejects.toMatchObject({ code: 'gated' });
    const worker = await engine.start({ service: 'worker', actor: 'alice', only: 'staging' });
    await settle();
    expect((await ws.store.getPromotion(worker.id))!.environments.staging!.message).toBe('waiting for api at v2 or later in staging (runs v1)');
    const api = await engine.start({ service: 'api', actor: 'alice', version: 'v2', only: 'staging' });
    await settle();
    expect((await ws.store.getPromotion(api.id))!.status).toBe('succeeded');
    expect((await ws.store.getPromotion(worker.id))!.status).toBe('succeeded');
    expect((await versions('worker')).staging).toBe('v1 healthy');
  });

  it('blocks prod during a freeze window until an audited override', async () => {
    clock = new Date('2026-11-27T16:00:00Z'); // Friday 16:00 UTC
    const promotion = await engine.start({ service: 'api', actor: 'alice', version: 'v2', only: 'prod' });
    await engine.decide(promotion.id, 'prod', { actor: 'carol', groups: ['sre'], approved: true });
    await settle();
    expect((await ws.store.getPromotion(promotion.id))!.environments.prod!.message).toMatch(/^frozen: weekend \(Fri 15:00 → Mon 06:00 UTC\)/);
    await expect(engine.overrideFreeze(promotion.id, 'prod', 'carol', '')).rejects.toThrow(/needs a reason/);
    await engine.overrideFreeze(promotion.id, 'prod', 'carol', 'security fix for CVE-2026-1234');
    await settle();
    expect((await ws.store.getPromotion(promotion.id))!.status).toBe('succeeded');
    expect((await versions('api')).prod).toBe('v2 healthy');
    const override = (await ws.store.listEvents({ service: 'api' })).find((e) => e.type === 'promotion.freeze-overridden')!;
    expect(override).toMatchObject({ actor: 'carol', message: expect.stringContaining('CVE-2026-1234') });
  });
});
