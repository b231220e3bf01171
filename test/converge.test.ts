/**
 * The reconcile loop on real runtimes: a target newly added to an environment receives the
 * service by itself, a unit removed behind Slipway's back comes back, a file changed by hand in a
 * static web root is reported as drift and restored, and a paused unit is left alone.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reconciler } from '../src/converge/index.js';
import { LocalOperations, Workspace, unitLease, cutRelease, deploy, observeUnits } from '../src/engine/index.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const dir = projectDir('converge');
mkdirSync(join(dir, 'site'));
writeFileSync(join(dir, 'site', 'index.html'), '<h1>release one</h1>\n');

const project = (devTargets: string) => `project: converge
services:
  api:
${API_WORKLOAD}
  site:
    workload: { command: static, artifact: ./site }
environments:
  dev: { targets: [${devTargets}] }
  web: { targets: [www] }
targets:
  a: { runtime: process, baseDir: .slipway/a }
  b: { runtime: process, baseDir: .slipway/b }
  www: { runtime: static, webRoot: ./www }
`;

let ws: Workspace;
let reconciler: Reconciler;
let ops: LocalOperations;
const webRootFile = () => join(dir, 'www', 'web', 'site', 'current', 'index.html');

beforeAll(async () => {
  writeFileSync(join(dir, 'slipway.yaml'), project('a'));
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  reconciler = new Reconciler(ws);
  ops = new LocalOperations(ws, { drive: 'inline', drift: () => reconciler.drift(), onClose: async () => {} });
  expect((await deploy(ws, { service: 'api', environment: 'dev', actor: 'test' })).result).toBe('deployed');
  expect((await deploy(ws, { service: 'site', environment: 'web', actor: 'test' })).result).toBe('deployed');
});

afterAll(() => removeProject(dir, ws));

describe('convergence', () => {
  it('finds nothing to do when everything runs as desired', async () => {
    expect(await reconciler.drift()).toEqual([]);
  });

  it('gives a target newly added to an environment every service of it, with no one deploying', async () => {
    writeFileSync(join(dir, 'slipway.yaml'), project('a, b'));
    await ws.reload();
    const drift = await reconciler.drift();
    expect(drift).toEqual([expect.objectContaining({ service: 'api', environment: 'dev', target: 'b', difference: 'api is not running in dev on b' })]);
    await reconciler.reconcile();
    const onB = (await observeUnits(ws, { service: 'api', environment: 'dev' })).find((u) => u.target === 'b');
    expect(onB).toMatchObject({ health: 'healthy', release: { version: 'v1' } });
    // The correction is a deployment of the accepted release onto the new target, recorded like any other.
    const correction = (await ws.store.listEvents({ service: 'api' })).find((e) => e.type === 'deployment.started' && e.message.startsWith('correcting: '));
    expect(correction).toMatchObject({ actor: 'slipway', message: expect.stringContaining('api is not running in dev on b') });
  });

  it('brings back a unit removed behind its back', async () => {
    await ws.runtime('a').remove({ service: 'api', environment: 'dev', target: 'a' });
    expect((await reconciler.drift()).map((d) => d.target)).toEqual(['a']);
    await reconciler.reconcile();
    expect((await observeUnits(ws, { service: 'api', environment: 'dev' })).map((u) => [u.target, u.health])).toEqual([
      ['a', 'healthy'],
      ['b', 'healthy'],
    ]);
  });

  it('reports a file changed by hand in a static web root as drift, since when, and restores it', async () => {
    writeFileSync(webRootFile(), '<h1>defaced</h1>\n');
    const [drift] = await ops.drift();
    expect(drift).toMatchObject({ service: 'site', environment: 'web', target: 'www', difference: 'changed by hand: index.html changed' });
    expect(new Date(drift!.since).getTime()).toBeLessThanOrEqual(Date.now());
    await reconciler.reconcile();
    expect(readFileSync(webRootFile(), 'utf8')).toBe('<h1>release one</h1>\n');
    expect(await reconciler.drift()).toEqual([]);
  });

  it('leaves a paused unit alone, says why, and corrects it once resumed', async () => {
    await ops.convergence({ service: 'site', environment: 'web', paused: true, actor: 'carol', reason: 'investigating' });
    writeFileSync(webRootFile(), '<h1>hotfix by hand</h1>\n');
    await reconciler.reconcile();
    expect(readFileSync(webRootFile(), 'utf8')).toBe('<h1>hotfix by hand</h1>\n');
    expect((await reconciler.drift())[0]).toMatchObject({ heldBack: 'paused by carol: investigating' });
    await ops.convergence({ service: 'site', environment: 'web', paused: false, actor: 'carol' });
    await reconciler.reconcile();
    expect(readFileSync(webRootFile(), 'utf8')).toBe('<h1>release one</h1>\n');
  });

  it('never corrects towards a release that a deployment replaced after the comparison', async () => {
    writeFileSync(webRootFile(), '<h1>defaced</h1>\n');
    // Hold the unit's turn, as a deployment would, until the reconciler has compared and waits for it.
    let endTurn = () => {};
    const held = ws.executor.run(unitLease('site', 'web'), () => new Promise<void>((resolve) => (endTurn = resolve)));
    const pass = reconciler.reconcile();
    for (let waited = 0; !ws.executor.waiting().some(([key]) => key === unitLease('site', 'web')); waited += 10) {
      if (waited > 10_000) throw new Error('the reconciler never waited for the turn');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Meanwhile release two is accepted (recorded as a deployment that succeeded, as deploy does in its turn).
    writeFileSync(join(dir, 'site', 'index.html'), '<h1>release two</h1>\n');
    await ws.reload();
    const two = await cutRelease(ws, 'site', { actor: 'test' });
    const deployment = await ws.store.createDeployment({ service: 'site', environment: 'web', releaseId: two.id, createdBy: 'test' });
    await ws.store.finishDeployment(deployment.id, { status: 'succeeded', message: 'site v2 in web is ready' });
    await ws.store.appendEvent({ type: 'deployment.succeeded', actor: 'test', service: 'site', environment: 'web', message: 'site v2 in web is ready' });
    endTurn();
    await held;
    await pass;
    // Deciding again inside the turn, it corrects towards release two, never back to release one.
    expect(readFileSync(webRootFile(), 'utf8')).toBe('<h1>release two</h1>\n');
  });
});
