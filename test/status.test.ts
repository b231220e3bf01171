/**
 * Status on real processes: one answer is reused while nothing changed, every kind of change (a
 * deployment, a crash the runtime healed, a project file edit) is in the next answer, and a
 * target that cannot be observed does not take the others' rows down with it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, deploy, status, targets, type StatusRow } from '../src/engine/index.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const dir = projectDir('status');
const project = (extra = '') => `project: status
services:
  api:
${API_WORKLOAD}
${extra}environments:
  dev: { targets: [local] }
targets:
  local: { runtime: process }
  # A web root on a host that is never there (no such address on the test network): it cannot be observed.
  cdn:
    runtime: static
    webRoot: /srv/www
    ssh: { host: { name: gone, address: 10.213.0.254, hostKeys: ["SHA256:${'A'.repeat(43)}"] }, identityFile: ./deploy-key, connectTimeoutSeconds: 1 }
`;
writeFileSync(join(dir, 'deploy-key'), 'not a key: the host is never reached\n');
writeFileSync(join(dir, 'slipway.yaml'), project());

let ws: Workspace;
const apiInDev = (rows: readonly StatusRow[]) => rows.find((r) => r.service === 'api' && r.environment === 'dev')!;

beforeAll(async () => {
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  expect((await deploy(ws, { service: 'api', environment: 'dev', actor: 'test' })).result).toBe('deployed');
});

afterAll(() => removeProject(dir, ws));

describe('status', () => {
  it('answers while a target cannot be observed, with the rows of the targets that can; the target list says which and why', async () => {
    expect(apiInDev(await status(ws))).toMatchObject({ release: 'v1', health: 'healthy' });
    const [local, cdn] = await targets(ws);
    expect(local).toMatchObject({ name: 'local', runtime: 'process', environments: ['dev'], reachable: true, units: 1 });
    expect(cdn).toMatchObject({ name: 'cdn', runtime: 'static', environments: [], reachable: false, error: expect.stringMatching(/^host gone is unreachable: cannot log in: /) });
  });

  it('answers the same frozen rows while nothing changed', async () => {
    await status(ws); // observes what the deployment changed
    const first = await status(ws);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await status(ws)).toBe(first);
    expect(apiInDev(first)).toMatchObject({ release: 'v1', running: ['v1'], health: 'healthy', ready: 1 });
  });

  it('shows a deployment as soon as it returns', async () => {
    writeFileSync(join(dir, 'api', 'VERSION'), '2\n');
    await ws.reload();
    expect((await deploy(ws, { service: 'api', environment: 'dev', actor: 'test' })).result).toBe('deployed');
    expect(apiInDev(await status(ws))).toMatchObject({ release: 'v2', running: ['v2'], health: 'healthy' });
  });

  it('shows a crash the runtime healed by itself, without anyone deploying, as soon as the runtime tells of it', async () => {
    const before = apiInDev(await status(ws));
    expect(before.restarts).toBe(0);
    process.kill(before.instances[0]!.pid!, 'SIGKILL');
    // The runtime's event makes the next read observe again, rather than show what was seen a moment ago.
    await expect.poll(() => ws.store.listEvents({ service: 'api', type: 'instance.restarted' })).toHaveLength(1);
    expect(apiInDev(await status(ws)).restarts).toBe(1);
    await expect.poll(async () => apiInDev(await status(ws))).toMatchObject({ restarts: 1, health: 'healthy', release: 'v2' });
    const after = apiInDev(await status(ws));
    expect(after.instances[0]!.pid).not.toBe(before.instances[0]!.pid);
  });

  it('follows an edited project file', async () => {
    const before = await status(ws);
    writeFileSync(join(dir, 'slipway.yaml'), project(`  worker:\n${API_WORKLOAD}\n`));
    await ws.reload();
    const after = await status(ws);
    expect(after).not.toBe(before);
    expect(after.find((r) => r.service === 'worker')).toMatchObject({ environment: 'dev', health: 'not-deployed', running: [] });
  });
});
