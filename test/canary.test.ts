/**
 * Rollout strategies and supersede policy on real processes: a canary target takes the release
 * first and is verified before the rest follow; a canary that fails never reaches the other
 * targets; a newer release replaces one still waiting for its go.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionDriver, Workspace, observeUnits } from '../src/engine/index.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const dir = projectDir('canary');
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: canary
services:
  api:
${API_WORKLOAD}
environments:
  dev: { targets: [a] }
  prod: { promotesFrom: [dev], targets: [a, b], strategy: canary, autoPromote: false }
targets:
  a: { runtime: process, baseDir: .slipway/a }
  b: { runtime: process, baseDir: .slipway/b }
`,
);

let ws: Workspace;
let engine: PromotionDriver;
let failing: string | undefined;
const verified: string[] = [];

async function run(id: string) {
  for (let i = 0; i < 50 && (await engine.runActive()) !== undefined; i++) {
    const promotion = (await ws.store.getPromotion(id))!;
    if (['succeeded', 'failed', 'superseded'].includes(promotion.status) || promotion.status === 'waiting') break;
  }
  return (await ws.store.getPromotion(id))!;
}

const prodReleases = async () => Object.fromEntries((await observeUnits(ws, { service: 'api', environment: 'prod' })).map((u) => [u.target, u.release.version]));

beforeAll(async () => {
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  engine = new PromotionDriver(ws, { now: () => new Date(),
    verify: async ({ environment, release, endpoints }) => {
      verified.push(`${environment} ${release.version} ${endpoints.length}`);
      return release.version === failing && environment === 'prod' ? { passed: false, message: 'error rate too high' } : { passed: true, message: 'ok' };
    },
  });
});

afterAll(() => removeProject(dir, ws));

describe('rollout strategies', () => {
  it('verifies the canary target alone, then rolls out to the rest and verifies them all', async () => {
    const promotion = await engine.start({ service: 'api', actor: 'alice', version: 'v1' });
    expect((await run(promotion.id)).environments.prod!.message).toMatch(/waiting for someone to run: slipway promote api --env prod/);
    await engine.go(promotion.id, 'prod', 'bob');
    expect((await run(promotion.id)).status).toBe('succeeded');
    expect(verified).toEqual(['dev v1 1', 'prod v1 1', 'prod v1 2']);
    expect(await prodReleases()).toEqual({ a: 'v1', b: 'v1' });
    const types = (await ws.store.listEvents({ service: 'api', environment: 'prod' })).map((e) => e.type);
    expect(types.indexOf('canary.verified')).toBeLessThan(types.lastIndexOf('verification.passed'));
  });

  it('stops a release whose canary fails: the other target never gets it, and the canary is rolled back', async () => {
    writeFileSync(join(dir, 'api', 'VERSION'), '2\n');
    await ws.reload();
    failing = 'v2';
    const promotion = await engine.start({ service: 'api', actor: 'alice', version: 'v2' });
    await run(promotion.id);
    await engine.go(promotion.id, 'prod', 'bob');
    const done = await run(promotion.id);
    expect(done.status).toBe('failed');
    expect(done.environments.prod).toMatchObject({ phase: 'rolled-back', canary: { target: 'a', verified: false } });
    expect(await prodReleases()).toEqual({ a: 'v1', b: 'v1' });
    const deployments = await ws.store.listDeployments({ service: 'api', environment: 'prod' });
    const v2 = (await ws.store.findRelease('api', 'v2'))!;
    const steps = await Promise.all(deployments.filter((d) => d.releaseId === v2.id).map(async (d) => (await ws.store.getDeployment(d.id))!.steps.map((s) => s.target)));
    expect(steps.flat()).toEqual(['a']);
  });

  it('pauses, resumes and cancels a promotion, each recorded with who did it and why', async () => {
    writeFileSync(join(dir, 'api', 'VERSION'), '5\n');
    await ws.reload();
    const promotion = await engine.start({ service: 'api', actor: 'alice', version: 'v5' });
    await engine.control(promotion.id, 'pause', 'bob', 'database maintenance');
    await engine.runActive();
    expect((await ws.store.getPromotion(promotion.id))!).toMatchObject({ status: 'paused', environments: { dev: { phase: 'pending' } } });
    await engine.control(promotion.id, 'resume', 'bob');
    expect((await run(promotion.id)).environments.dev!.phase).toBe('succeeded');
    await engine.control(promotion.id, 'cancel', 'carol', 'wrong build');
    const cancelled = (await ws.store.getPromotion(promotion.id))!;
    expect(cancelled).toMatchObject({ status: 'cancelled', environments: { prod: { phase: 'skipped' } } });
    await expect(engine.control(promotion.id, 'resume', 'bob')).rejects.toThrow(/cancelled already/);
    const messages = (await ws.store.listEvents({ service: 'api' })).filter((e) => e.data.promotion === promotion.id).map((e) => `${e.type} ${e.actor}`);
    expect(messages).toEqual(expect.arrayContaining(['promotion.paused bob', 'promotion.resumed bob', 'promotion.cancelled carol']));
    expect((await ws.store.listEvents({ service: 'api' })).find((e) => e.type === 'promotion.paused')!.message).toMatch(/database maintenance/);
  });

  it('replaces a release still waiting for its go with a newer one', async () => {
    writeFileSync(join(dir, 'api', 'VERSION'), '3\n');
    await ws.reload();
    failing = undefined;
    const older = await engine.start({ service: 'api', actor: 'alice', version: 'v3' });
    expect((await run(older.id)).status).toBe('waiting');
    writeFileSync(join(dir, 'api', 'VERSION'), '4\n');
    await ws.reload();
    const newer = await engine.start({ service: 'api', actor: 'alice', version: 'v4' });
    expect((await ws.store.getPromotion(older.id))!).toMatchObject({ status: 'superseded' });
    await run(newer.id);
    await engine.go(newer.id, 'prod', 'bob');
    expect((await run(newer.id)).status).toBe('succeeded');
    expect(await prodReleases()).toEqual({ a: 'v4', b: 'v4' });
  });
});
