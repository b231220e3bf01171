import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentHostTarget, startSilentHost, writeLoginKey } from '../../test/helpers/silent-host.js';
import { Workspace } from './workspace.js';

const project = (layers: string) => `project: reload
layers: [${layers}]
services:
  web:
    workload: { command: node, args: [server.mjs] }
environments:
  dev: { targets: [local] }
targets:
  local: { runtime: "null" }
`;
const layer = (region: string) => `owner: platform
defaults:
  workload: { env: { REGION: ${region} } }
`;

let dir: string;
let ws: Workspace;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-workspace-'));
  writeFileSync(join(dir, 'platform.yaml'), layer('eu'));
  writeFileSync(join(dir, 'slipway.yaml'), project('platform.yaml'));
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
});

afterEach(async () => {
  await ws.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Workspace.reload', () => {
  it('keeps the project it opened while no input file changed, the first reload included', async () => {
    const opened = ws.project;
    await ws.reload();
    await ws.reload();
    expect(ws.project).toBe(opened);
  });

  it('loads again when a layer file changes, and keeps that project until the next change', async () => {
    const opened = ws.project;
    writeFileSync(join(dir, 'platform.yaml'), layer('us'));
    await ws.reload();
    expect(ws.project).not.toBe(opened);
    expect(ws.project.layers[0]?.value.defaults?.workload?.env).toEqual({ REGION: 'us' });
    const reloaded = ws.project;
    await ws.reload();
    expect(ws.project).toBe(reloaded);
  });

  it('follows the files the project names now: a layer dropped from the list no longer counts', async () => {
    writeFileSync(join(dir, 'slipway.yaml'), project(''));
    await ws.reload();
    expect(ws.project.layers).toEqual([]);
    const reloaded = ws.project;
    writeFileSync(join(dir, 'platform.yaml'), layer('us'));
    await ws.reload();
    expect(ws.project).toBe(reloaded);
  });
});

describe('Workspace.open', () => {
  it("keeps an ssh target's records in .slipway/runtime/<target>: its baseDir is a directory on its hosts", async () => {
    const project = mkdtempSync(join(tmpdir(), 'slipway-workspace-ssh-'));
    const remoteBase = join(project, 'remote-base');
    writeFileSync(join(project, 'id_test'), 'not read until a host is reached\n');
    writeFileSync(
      join(project, 'slipway.yaml'),
      `project: ssh-state
services:
  web:
    workload: { command: node, args: [server.mjs] }
environments:
  dev: { targets: [hosts] }
targets:
  hosts:
    runtime: ssh
    hosts: [{ name: a, address: 127.0.0.1, hostKeys: ['SHA256:${'A'.repeat(43)}'] }]
    identityFile: id_test
    baseDir: ${remoteBase}
`,
    );
    const opened = await Workspace.open({ projectFile: join(project, 'slipway.yaml') });
    try {
      expect(existsSync(join(project, '.slipway', 'runtime', 'hosts', 'units'))).toBe(true);
      expect(existsSync(remoteBase)).toBe(false);
    } finally {
      await opened.close();
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('with warm, logs in to the ssh hosts while the store opens; without, reaches no host', async () => {
    /** A project whose one target is a silent host of its own. */
    const projectOn = async (name: string) => {
      const host = await startSilentHost();
      const dir = mkdtempSync(join(tmpdir(), `slipway-workspace-${name}-`));
      writeLoginKey(dir);
      const file = join(dir, 'slipway.yaml');
      writeFileSync(file, `project: ${name}\nservices:\n  web: { workload: { command: node, args: [server.mjs] } }\nenvironments:\n  dev: { targets: [hosts] }\ntargets:\n${silentHostTarget('hosts', host.port)}`);
      return { host, dir, file };
    };
    const [cold, warm] = [await projectOn('cold'), await projectOn('warm')];
    const opened: Workspace[] = [];
    try {
      opened.push(await Workspace.open({ projectFile: cold.file }));
      opened.push(await Workspace.open({ projectFile: warm.file, warm: true }));
      await expect.poll(() => warm.host.connections).toBe(1);
      // Opened first and still open, the workspace without warm would have dialled by now had it warmed too.
      expect(cold.host.connections).toBe(0);
    } finally {
      for (const { host } of [cold, warm]) host.dropAll(); // a login waiting fails at once, so closing waits for nothing
      for (const ws of opened) await ws.close();
      for (const { host, dir } of [cold, warm]) {
        await host.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
