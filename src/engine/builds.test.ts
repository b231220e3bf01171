import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildDriver } from './builds.js';
import { Workspace } from './workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-build-driver-'));
let ws: Workspace;
let driver: BuildDriver;
const COMMIT = 'a'.repeat(40);

beforeAll(async () => {
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `project: builds
services:
  web:
    source: { repository: https://git.example.com/acme/web.git, build: { commands: [make], output: out } }
    workload: { command: node }
environments:
  dev: { targets: [nowhere] }
targets:
  nowhere: { runtime: 'null' }
`,
  );
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  driver = new BuildDriver(ws, { promote: async () => {} });
});

afterAll(async () => {
  await ws?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('BuildDriver', () => {
  it('queues again a build that a stopped process left running, whatever started it', async () => {
    const { build } = await ws.store.builds.queueBuild({ service: 'web', ref: 'v1.0.0', commit: COMMIT, trigger: 'webhook', actor: 'github:ann' });
    await ws.store.builds.startBuild(build.id, 'checking out');
    await driver.recover();
    const builds = await ws.store.builds.listBuilds({ service: 'web', commit: COMMIT });
    expect(builds.map((b) => [b.status, b.trigger, b.ref])).toEqual([
      ['queued', 'webhook', 'v1.0.0'],
      ['failed', 'webhook', 'v1.0.0'],
    ]);
    expect(builds[1]!.message).toMatch(/^interrupted/);
  });

  it('a webhook push of a commit whose build failed builds nothing; it answers with that build', async () => {
    const commit = 'b'.repeat(40);
    const { build } = await ws.store.builds.queueBuild({ service: 'web', ref: 'v2.0.0', commit, trigger: 'webhook', actor: 'github:ann' });
    await ws.store.builds.finishBuild(build.id, { status: 'failed', message: 'exit 1' });
    const push = { repository: 'acme/web', ref: 'refs/tags/v2.0.1', tag: 'v2.0.1', sha: commit, deleted: false, pusher: 'ann' };
    expect((await driver.fromPush('github', push)).map((b) => b.id)).toEqual([build.id]);
    expect(await ws.store.builds.listBuilds({ service: 'web', commit })).toHaveLength(1);
  });
});
