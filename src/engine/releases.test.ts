import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalOperations } from './operations.js';
import { cutRelease } from './releases.js';
import { Workspace } from './workspace.js';

let dir: string;
let ws: Workspace;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-releases-'));
  writeFileSync(
    join(dir, 'slipway.yaml'),
    'project: releases\nservices:\n  web:\n    workload: { command: node }\nenvironments:\n  dev: { targets: [nowhere] }\ntargets:\n  nowhere: { runtime: "null" }\n',
  );
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
});

afterAll(async () => {
  await ws.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cutting a release', () => {
  it('takes a version that is a tag or a semantic version', async () => {
    expect((await cutRelease(ws, 'web', { version: '1.2.3-rc.1+build.5', actor: 'ann' })).version).toBe('1.2.3-rc.1+build.5');
    expect((await cutRelease(ws, 'web', { actor: 'ann' })).version).toBe('1.2.3-rc.1+build.5'); // same content, reused
  });

  it('refuses any other version before anything is recorded, whoever calls', async () => {
    const before = await ws.store.listReleases('web');
    for (const version of ['\u001b[2J', 'v1\u0000', '', 'v 1', 'x'.repeat(200)]) {
      await expect(cutRelease(ws, 'web', { version, actor: 'ann' }), JSON.stringify(version)).rejects.toMatchObject({ code: 'invalid-name' });
    }
    const ops = new LocalOperations(ws, { drive: 'background', onClose: async () => {} });
    await expect(ops.promote({ service: 'web', version: 'v1\u0000', actor: 'ann' })).rejects.toMatchObject({ code: 'invalid-name' });
    await expect(ops.deploy({ service: 'web', environment: 'dev', version: '\u001b[2J', actor: 'ann' })).rejects.toMatchObject({ code: 'invalid-name' });
    expect(await ws.store.listReleases('web')).toEqual(before);
  });
});
