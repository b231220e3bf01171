import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    // An "SSH host" on loopback that counts the connections made to it and never answers.
    const held = new Set<Socket>();
    let connections = 0;
    const host = createServer((socket) => {
      connections++;
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const project = mkdtempSync(join(tmpdir(), 'slipway-workspace-warm-'));
    const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(project, 'key')], { encoding: 'utf8' });
    expect(keygen.status, keygen.stderr).toBe(0);
    writeFileSync(
      join(project, 'slipway.yaml'),
      `project: ssh-warm
services:
  web:
    workload: { command: node, args: [server.mjs] }
environments:
  dev: { targets: [hosts] }
targets:
  hosts:
    runtime: ssh
    hosts: [{ name: a, address: 127.0.0.1, port: ${(host.address() as { port: number }).port}, hostKeys: ['SHA256:${'A'.repeat(43)}'] }]
    identityFile: key
    connectTimeoutSeconds: 600
`,
    );
    const closing = async (opened: Workspace) => {
      for (const socket of held) socket.destroy(); // the login fails at once, so closing waits for nothing
      await opened.close();
    };
    try {
      await closing(await Workspace.open({ projectFile: join(project, 'slipway.yaml') }));
      expect(connections).toBe(0);
      const warmed = await Workspace.open({ projectFile: join(project, 'slipway.yaml'), warm: true });
      await expect.poll(() => connections).toBe(1);
      await closing(warmed);
    } finally {
      host.close();
      rmSync(project, { recursive: true, force: true });
    }
  });
});
