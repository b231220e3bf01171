/**
 * The core on real SSH hosts (sshd in network namespaces, logging in as the deploy user): nothing
 * is assumed to run on the control plane's machine. A promotion's HTTP verification asks each
 * host at its own address (nothing answers at 127.0.0.1 here), passes for a working release and
 * fails, rolling back, for a release that is ready but broken; `status` shows the hosts'
 * endpoints; two ssh targets of one environment keep records of their own across a restart.
 */
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionDriver, Workspace, environmentVerifier, status } from '../src/engine/index.js';
import { startSshHosts, type SshHost, type SshHosts } from './harness/sshd.js';
import { projectDir, removeProject } from './helpers/projects.js';

const PORT = 8080;
const dir = projectDir('core-ssh', []);
cpSync(new URL('../src/runtimes/ssh/testdata/app', import.meta.url), join(dir, 'app'), { recursive: true });
let lab: SshHosts | undefined;
let ws: Workspace | undefined;

function target(host: SshHost): string {
  return `{ runtime: ssh, hosts: [{ name: ${host.name}, address: ${host.address}, baseDir: ${host.baseDir} }], user: ${lab!.user.name}, identityFile: ${lab!.identityFile}, knownHosts: ${lab!.knownHostsFile}, connectTimeoutSeconds: 5, readyTimeoutSeconds: 20 }`;
}

function project(broken: boolean): string {
  const [a, b] = lab!.hosts as [SshHost, SshHost];
  return `project: core-ssh
services:
  api:
    replicas: 1
    workload:
      command: ${process.execPath}
      args: [server.mjs]
      artifact: ./app
      env: { BROKEN: "${broken ? 1 : 0}" }
      ports: { http: ${PORT} }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 2 }
environments:
  prod: { targets: [east, west], verification: { http: [{ path: /, port: http, attempts: 2, intervalSeconds: 1 }] } }
targets:
  east: ${target(a)}
  west: ${target(b)}
`;
}

function driver(workspace: Workspace): PromotionDriver {
  return new PromotionDriver(workspace, { now: () => new Date(), verify: environmentVerifier() });
}

/** Steps the promotion until it ends. */
async function promoteToEnd(workspace: Workspace, version: string) {
  const promotions = driver(workspace);
  const { id } = await promotions.start({ service: 'api', actor: 'test', version });
  for (let i = 0; i < 100 && (await promotions.step(id)) !== undefined; i++) await new Promise((r) => setTimeout(r, 200));
  return (await workspace.store.getPromotion(id))!;
}

beforeAll(async () => {
  lab = await startSshHosts(2);
  writeFileSync(join(dir, 'slipway.yaml'), project(false));
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
}, 180_000);

afterAll(async () => {
  await removeProject(dir, ws);
  await lab?.stop();
}, 180_000);

describe('the core on ssh hosts', () => {
  it('verifies a promotion at each host’s own address, and status shows the hosts’ endpoints', async () => {
    const promotion = await promoteToEnd(ws!, 'v1');
    expect(promotion).toMatchObject({ status: 'succeeded', environments: { prod: { phase: 'succeeded' } } });
    const row = (await status(ws!)).find((r) => r.environment === 'prod')!;
    const [a, b] = lab!.hosts as [SshHost, SshHost];
    expect([...row.endpoints].sort()).toEqual([`http://${a.address}:${PORT}`, `http://${b.address}:${PORT}`].sort());
    expect(row.instances.map((i) => i.host).sort()).toEqual([a.address, b.address].sort());
    expect(row.endpoints.some((e) => e.includes('127.0.0.1'))).toBe(false);
    const events = await ws!.store.listEvents({ service: 'api', type: 'verification.passed' });
    expect(events.at(-1)?.message).toMatch(new RegExp(`on 2 endpoints`));
  }, 180_000);

  it('fails the verification of a release that is ready but broken on the hosts, and rolls prod back', async () => {
    writeFileSync(join(dir, 'slipway.yaml'), project(true));
    await ws!.reload();
    const promotion = await promoteToEnd(ws!, 'v2');
    expect(promotion.status).toBe('failed');
    expect(promotion.environments.prod).toMatchObject({ phase: 'rolled-back', message: expect.stringMatching(/verification failed: .*answered 500.*v1 runs again, ready/) });
    for (const host of lab!.hosts.slice(0, 2)) {
      lab!.network.assertReachable(host.net);
      expect(await (await fetch(`http://${host.address}:${PORT}/`, { signal: AbortSignal.timeout(3000) })).text()).toMatch(/^v1 /);
    }
  }, 240_000);

  it('keeps each ssh target’s records apart across a restart of the control plane', async () => {
    const stateDir = ws!.stateDir;
    await ws!.close();
    ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
    for (const name of ['east', 'west']) {
      const units = join(stateDir, 'runtime', name, 'units');
      expect(existsSync(units), units).toBe(true);
      expect(readdirSync(units).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    }
    const observed = await Promise.all(['east', 'west'].map(async (name) => (await ws!.runtime(name).observe()).map((u) => [u.target, u.release.version, u.health])));
    expect(observed).toEqual([[['east', 'v1', 'healthy']], [['west', 'v1', 'healthy']]]);
  }, 180_000);
});
