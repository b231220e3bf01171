/**
 * The observe loop records what every target runs in the store, and after its first round writes
 * only the units that changed: an unchanged unit keeps the time it was recorded. A target that
 * does not answer holds up neither the loop's other targets nor a deployment elsewhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObserveLoop } from '../src/converge/index.js';
import { Workspace, deploy } from '../src/engine/index.js';
import { silentHostTarget, startSilentHost, writeLoginKey } from './helpers/silent-host.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-observe-loop-'));
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: observe-loop
services:
  api: { workload: { command: node, args: [api.mjs] } }
  web: { workload: { command: node, args: [web.mjs] } }
  jobs: { workload: { command: node, args: [jobs.mjs] } }
environments:
  dev: { targets: [local] }
targets:
  local: { runtime: "null" }
`,
);

let ws: Workspace;
beforeAll(async () => {
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  for (const service of ['api', 'web']) await deploy(ws, { service, environment: 'dev', actor: 'test' });
});
afterAll(async () => {
  await ws.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('observe loop', () => {
  it('records what runs, then rewrites only the units that changed and removes those that went', async () => {
    const [first, second] = [new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:01Z')];
    let switchAt = Infinity;
    const loop = startObserveLoop(ws, { intervalMs: 50, now: () => (Date.now() < switchAt ? first : second) });
    try {
      const recorded = async () => (await ws.store.listObserved({ target: 'local' })).map((r) => [r.service, r.release.version, r.observedAt.toISOString()]);
      await expect.poll(recorded).toEqual([
        ['api', 'v1', first.toISOString()],
        ['web', 'v1', first.toISOString()],
      ]);
      switchAt = Date.now();
      await deploy(ws, { service: 'jobs', environment: 'dev', actor: 'test' });
      await ws.runtime('local').remove({ service: 'web', environment: 'dev', target: 'local' });
      await expect.poll(recorded).toEqual([
        ['api', 'v1', first.toISOString()],
        ['jobs', 'v1', second.toISOString()],
      ]);
    } finally {
      await loop.stop();
    }
  });

  it('replaces in its first round whatever an earlier process recorded', async () => {
    await ws.store.putObserved('local', [{ service: 'gone', environment: 'dev', target: 'local', release: { id: 'r0', version: 'v0', artifactDigest: null }, configHash: 'h', replicas: 1, health: 'healthy', instances: [] }], new Date(0));
    const loop = startObserveLoop(ws, { intervalMs: 60_000 });
    try {
      await expect.poll(async () => (await ws.store.listObserved({ target: 'local' })).map((r) => r.service)).toEqual(['api', 'jobs']);
    } finally {
      await loop.stop();
    }
  });

  it('goes on observing the other targets while one hangs, and a deployment elsewhere does not wait for it', async () => {
    // Hung up on (so the host is seen out of reach, quickly) until the loop has seen it so, then
    // never answered.
    const host = await startSilentHost();
    host.hangUp = true;
    const other = mkdtempSync(join(tmpdir(), 'slipway-observe-hung-'));
    writeLoginKey(other);
    writeFileSync(
      join(other, 'slipway.yaml'),
      `project: observe-hung
services:
  api: { workload: { command: node, args: [api.mjs] } }
environments:
  dev: { targets: [local] }
  prod: { targets: [hung] }
targets:
${silentHostTarget('hung', host.port)}  local: { runtime: "null" }
`,
    );
    const hungWs = await Workspace.open({ projectFile: join(other, 'slipway.yaml') });
    const loop = startObserveLoop(hungWs, { intervalMs: 100 });
    try {
      await expect.poll(() => hungWs.observations.last('hung')).toBeDefined();
      host.hangUp = false;
      await expect.poll(() => host.held).toBe(1);
      const dialled = host.connections;
      expect((await deploy(hungWs, { service: 'api', environment: 'dev', actor: 'test' })).result).toBe('deployed');
      await expect.poll(async () => (await hungWs.store.listObserved({ target: 'local' })).map((r) => r.service)).toEqual(['api']);
      expect([host.held, host.connections]).toEqual([1, dialled]); // the hung target's observation is still waiting, and was not started again
    } finally {
      host.dropAll();
      await loop.stop();
      await hungWs.close();
      await host.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
