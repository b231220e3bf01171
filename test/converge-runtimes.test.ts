/**
 * Convergence on real runtimes, through a real workspace: sshd hosts in network namespaces behind
 * HAProxy (target `edge`, hosts h0–h3, one replica each) and rootful Podman (target `ctr`). The
 * test deploys with `deploy()`; after that only `Reconciler.reconcile()` acts.
 *
 * - A host cut off (link down) during a deployment: the deployment fails naming it while the other
 *   hosts run the new release; `drift()` reports the host, a failed correction backs the target
 *   off; once the link is back, `reconcile()` alone brings the host to the new release. The new
 *   release is the environment's: its deployment failed only because a host could not be reached
 *   (the reconciler treats such a deployment as accepted), so converging means "the cut-off host
 *   catches up", never "the others go back".
 * - A fifth host: the ssh runtime places replica r on host r mod n of one target, the unit key is
 *   (service, environment, target), a reload opens new targets but does not re-read an existing
 *   target's host list, and replicas belong to the release (more of them is a new release). So a
 *   host that should receive what an environment runs without anyone deploying is added the way
 *   this test adds it: as a new ssh target (`edge5`, host h4, same HAProxy backend) listed in the
 *   environment's `targets`. It receives the current release with the service's replica count
 *   (4 replicas on its one host, ports 8080–8083) and joins HAProxy.
 * - A container removed by hand (`podman rm -f`) is reported by `drift()` as not running and
 *   created again by `reconcile()`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reconciler, startObserveLoop } from '../src/converge/index.js';
import { Workspace, deploy, observeUnits } from '../src/engine/index.js';
import { LABEL } from '../src/runtimes/container/labels.js';
import { parseStat, sendToSocket } from '../src/runtimes/ssh/haproxy-api.js';
import { startHaproxy, type Haproxy } from './harness/haproxy.js';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from './harness/podman.js';
import { startSshHosts, type SshHost, type SshHosts } from './harness/sshd.js';
import { projectDir, removeProject } from './helpers/projects.js';

const PORT = 8080;
const dir = projectDir('converge-runtimes', []);
/** The ssh runtime's test app: listens on 0.0.0.0 (HAProxy reaches it), answers "<release> <instance>". */
cpSync(new URL('../src/runtimes/ssh/testdata/app', import.meta.url), join(dir, 'app'), { recursive: true });
mkdirSync(join(dir, 'site'));
writeFileSync(join(dir, 'site', 'index.html'), '<h1>the site</h1>\n');
let lab: SshHosts | undefined;
let podman: PodmanService | undefined;
let haproxy: Haproxy | undefined;
let ws: Workspace | undefined;
/** The reconciler's clock: tests move it past backoff delays instead of sleeping. */
let clock = Date.now();
let reconciler: Reconciler;

function hostEntry(host: SshHost): string {
  return `{ name: ${host.name}, address: ${host.address}, baseDir: ${host.baseDir} }`;
}

function sshTarget(hosts: readonly SshHost[]): string {
  return `
    runtime: ssh
    hosts: [${hosts.map(hostEntry).join(', ')}]
    user: ${lab!.user.name}
    identityFile: ${lab!.identityFile}
    knownHosts: ${lab!.knownHostsFile}
    connectTimeoutSeconds: 2
    readyTimeoutSeconds: 10
    haproxy: { socket: ${haproxy!.socket}, backend: ${haproxy!.backend}, drainTimeoutSeconds: 5 }`;
}

/** The project: `greeting` makes a new api release; `fifth` adds target edge5 (host h4) to prod. */
function project(greeting: string, fifth = false): string {
  const hosts = lab!.hosts;
  return `project: converge-runtimes
services:
  api:
    replicas: 4
    workload:
      command: ${process.execPath}
      args: [server.mjs]
      artifact: ./app
      env: { GREETING: ${greeting} }
      ports: { http: ${PORT} }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
  box:
    workload:
      command: "image:${TEST_IMAGE}"
      args: [sh, -c, 'echo "$SLIPWAY_RELEASE" > /www/index.html && echo ok > /www/healthz && exec httpd -f -p "$PORT" -h /www']
      ports: { http: auto }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
  site:
    workload: { command: static, artifact: ./site }
environments:
  prod: { targets: [edge${fifth ? ', edge5' : ''}] }
  lab: { targets: [ctr] }
  web: { targets: [cdn] }
targets:
  edge:${sshTarget(hosts.slice(0, 4))}
  edge5:${sshTarget(hosts.slice(4, 5))}
  ctr: { runtime: container, socket: ${podman!.socketPath}, network: slirp4netns, readyTimeoutSeconds: 10 }
  cdn:
    runtime: static
    webRoot: ${webRoot()}
    ssh: { host: { name: ${hosts[4]!.name}, address: ${hosts[4]!.address} }, user: ${lab!.user.name}, identityFile: ${lab!.identityFile}, knownHosts: ${lab!.knownHostsFile}, connectTimeoutSeconds: 2 }
`;
}

/** The static site's web root on host h4 (whose filesystem is this machine's), beside the ssh runtime's directories. */
function webRoot(): string {
  return join(lab!.hosts[4]!.baseDir, 'www');
}

/** What the api on `host` answers at `port`: its release version and instance. */
async function answerOf(host: SshHost, port = PORT): Promise<{ release: string; instance: string }> {
  lab!.network.assertReachable(host.net);
  const response = await fetch(`http://${host.address}:${port}/`, { signal: AbortSignal.timeout(3_000) });
  const [release = '', instance = ''] = (await response.text()).split(' ');
  return { release, instance };
}

/** Releases answered by `count` requests through HAProxy. */
async function throughHaproxy(count: number): Promise<Set<string>> {
  const bodies = await Promise.all(Array.from({ length: count }, () => fetch(haproxy!.url, { signal: AbortSignal.timeout(3_000) }).then((r) => r.text())));
  return new Set(bodies.map((b) => b.split(' ')[0] ?? ''));
}

async function haproxyStatus(server: string): Promise<string> {
  return parseStat(await sendToSocket(haproxy!.socket, 'show stat')).get(`${haproxy!.backend}/${server}`)?.status ?? 'absent';
}

/** The events of the api's deployments the reconciler started (corrections), of `kind` (`started`, `succeeded`, `partial`, `failed`). */
async function corrections(kind: string): Promise<{ message: string }[]> {
  return (await ws!.store.listEvents({ service: 'api', type: `deployment.${kind}` })).filter((e) => e.actor === 'slipway');
}

/** Calls `reconcile()` (moving the clock past any backoff first) until `drift()` is empty; returns how many calls it took. */
async function reconcileUntilConverged(limit: number): Promise<number> {
  for (let calls = 1; calls <= limit; calls++) {
    clock += 120_000;
    await reconciler.reconcile();
    if ((await reconciler.drift()).length === 0) return calls;
  }
  throw new Error(`not converged after ${limit} reconcile() calls: ${JSON.stringify(await reconciler.drift())}`);
}

beforeAll(async () => {
  const [hosts, engine] = await Promise.allSettled([startSshHosts(5), startPodman()]);
  if (hosts.status === 'fulfilled') lab = hosts.value;
  if (engine.status === 'fulfilled') podman = engine.value;
  if (hosts.status === 'rejected') throw hosts.reason;
  if (engine.status === 'rejected') throw engine.reason;
  await ensureTestImage(podman!.docker);
  haproxy = await startHaproxy({ servers: lab!.hosts.map((h) => ({ name: h.name, address: h.address, port: PORT })) });
  for (const host of lab!.hosts) lab!.network.assertReachable(host.net);
  writeFileSync(join(dir, 'slipway.yaml'), project('one'));
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  reconciler = new Reconciler(ws, { now: () => new Date(clock), backoffMs: 5_000 });
  for (const [service, environment] of [['api', 'prod'], ['box', 'lab'], ['site', 'web']] as const) {
    const outcome = await deploy(ws, { service, environment, actor: 'test' });
    expect(outcome.result, outcome.message).toBe('deployed');
  }
});

afterAll(async () => {
  for (const host of lab?.hosts ?? []) lab!.network.linkUp(host.net);
  await removeProject(dir, ws).catch(() => undefined);
  if (podman) await removeTargetContainers(podman.docker, 'ctr').catch(() => undefined);
  await haproxy?.stop();
  await podman?.stop();
  await lab?.stop();
});

describe('convergence on ssh hosts behind HAProxy and on Podman', () => {
  it('starts converged: every host runs v1 and HAProxy has them all up', async () => {
    expect(await reconciler.drift()).toEqual([]);
    for (const host of lab!.hosts.slice(0, 4)) expect(await answerOf(host)).toEqual({ release: 'v1', instance: `prod.api.${host.net.index}` });
    for (const host of lab!.hosts.slice(0, 4)) expect(await haproxyStatus(host.name)).toBe('UP');
    expect(await haproxyStatus('h4')).toMatch(/^DOWN/);
  });

  it('a host cut off during a deployment is reported, backed off, and brought to the new release by reconcile() alone once it is back', async () => {
    const [h0, h1, h2, h3] = lab!.hosts as [SshHost, SshHost, SshHost, SshHost, SshHost];
    writeFileSync(join(dir, 'slipway.yaml'), project('two'));
    await ws!.reload();
    let cut = false;
    const outcome = await deploy(ws!, { service: 'api', environment: 'prod', actor: 'test' }, (message) => {
      if (!cut && message.includes('host h0 runs release v2')) {
        cut = true;
        lab!.network.linkDown(h2.net);
      }
    });
    expect(cut).toBe(true);
    expect(outcome.result).toBe('failed');
    expect(outcome.release.version).toBe('v2');
    expect(outcome.message).toMatch(/host h2 unreachable, left as they were; the other hosts run release v2/);
    for (const host of [h0, h1, h3]) expect(await answerOf(host)).toMatchObject({ release: 'v2' });
    expect(await throughHaproxy(20)).toEqual(new Set(['v2']));

    const drift = await reconciler.drift();
    expect(drift).toHaveLength(1);
    const [reported] = drift;
    expect(reported).toMatchObject({ service: 'api', environment: 'prod', target: 'edge' });
    expect(reported!.difference).toBe('api in prod on edge runs v1, not the accepted v2; not ready: prod.api.2@h2 (unreachable)');
    expect(reported!.heldBack).toBeUndefined();

    const afterFailure = await reconciler.reconcile();
    expect(afterFailure).toEqual([expect.objectContaining({ target: 'edge', heldBack: 'correcting failed 1 time; retrying in 5 s' })]);
    const failed = await corrections('partial');
    expect(failed.at(-1)?.message).toMatch(/host h2 unreachable, left as they were/);
    // held back: a reconcile() within the delay does nothing, and nothing went back to v1 meanwhile
    await reconciler.reconcile();
    expect(await corrections('partial')).toHaveLength(failed.length);
    for (const host of [h0, h1, h3]) expect(await answerOf(host)).toMatchObject({ release: 'v2' });

    lab!.network.linkUp(h2.net);
    lab!.network.assertReachable(h2.net);
    expect(await answerOf(h2)).toEqual({ release: 'v1', instance: 'prod.api.2' });
    const calls = await reconcileUntilConverged(3);
    console.info(`cut-off host converged after ${calls} reconcile() call(s)`);
    for (const host of [h0, h1, h2, h3]) expect(await answerOf(host)).toEqual({ release: 'v2', instance: `prod.api.${host.net.index}` });
    const [edge] = await observeUnits(ws!, { service: 'api', environment: 'prod' });
    expect(edge).toMatchObject({ target: 'edge', release: { version: 'v2' }, health: 'healthy', replicas: 4 });
    expect(await haproxyStatus('h2')).toBe('UP');
    expect(await throughHaproxy(20)).toEqual(new Set(['v2']));
  });

  it('a fifth host added to the environment (as target edge5) gets the current release by itself', async () => {
    const h4 = lab!.hosts[4]!;
    writeFileSync(join(dir, 'slipway.yaml'), project('two', true));
    await ws!.reload();
    expect(await reconciler.drift()).toEqual([expect.objectContaining({ service: 'api', environment: 'prod', target: 'edge5', difference: 'api is not running in prod on edge5' })]);
    await reconcileUntilConverged(1);
    const units = await observeUnits(ws!, { service: 'api', environment: 'prod' });
    expect(units.map((u) => [u.target, u.release.version, u.health])).toEqual([
      ['edge', 'v2', 'healthy'],
      ['edge5', 'v2', 'healthy'],
    ]);
    for (const slot of [0, 1, 2, 3]) expect(await answerOf(h4, PORT + slot)).toEqual({ release: 'v2', instance: `prod.api.${slot}` });
    expect(await haproxyStatus('h4')).toBe('UP');
    expect((await corrections('started')).some((e) => e.message === 'correcting: api is not running in prod on edge5')).toBe(true);
  });

  it('a container removed by hand is reported not running and created again by reconcile()', async () => {
    const docker = podman!.docker;
    const [before] = await docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=ctr`] } });
    expect(before?.State).toBe('running');
    const rm = spawnSync('podman', ['rm', '-f', before!.Id], { encoding: 'utf8' });
    expect(rm.status, rm.stderr).toBe(0);
    expect(await reconciler.drift()).toEqual([expect.objectContaining({ service: 'box', environment: 'lab', target: 'ctr', difference: 'box is not running in lab on ctr' })]);
    await reconcileUntilConverged(1);
    const after = await docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=ctr`] } });
    expect(after.map((c) => c.State)).toEqual(['running']);
    expect(after[0]!.Id).not.toBe(before!.Id);
    const [box] = await observeUnits(ws!, { service: 'box', environment: 'lab' });
    expect(box).toMatchObject({ release: { version: 'v1' }, health: 'healthy' });
    const port = box!.instances[0]!.ports.http!;
    expect((await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim()).toBe('v1');
  });

  it('a file changed by hand in a web root on a host over SSH is reported as drift and restored by reconcile()', async () => {
    const page = join(webRoot(), 'web', 'site', 'current', 'index.html');
    expect(readFileSync(page, 'utf8')).toBe('<h1>the site</h1>\n');
    writeFileSync(page, '<h1>defaced</h1>\n');
    expect(await reconciler.drift()).toEqual([expect.objectContaining({ service: 'site', environment: 'web', target: 'cdn', difference: 'changed by hand: index.html changed' })]);
    await reconcileUntilConverged(1);
    expect(readFileSync(join(webRoot(), 'web', 'site', 'current', 'index.html'), 'utf8')).toBe('<h1>the site</h1>\n');
    // It goes through the host (whose files this machine shares): cut off, the site is reported unreachable.
    const host = lab!.hosts[4]!;
    lab!.network.linkDown(host.net);
    try {
      const [site] = await observeUnits(ws!, { service: 'site', environment: 'web' });
      expect(site).toMatchObject({ health: 'degraded', instances: [expect.objectContaining({ state: 'unhealthy', message: 'unreachable' })] });
    } finally {
      lab!.network.linkUp(host.net);
    }
  });

  it('records in the audit log a container that crashed and was restarted by the engine, as the observe loop saw it', async () => {
    const loop = startObserveLoop(ws!, { intervalMs: 200 });
    try {
      await expect.poll(async () => (await ws!.store.listObserved({ target: 'ctr' })).map((u) => u.health)).toEqual(['healthy']);
      const [box] = await observeUnits(ws!, { service: 'box', environment: 'lab' });
      process.kill(box!.instances[0]!.pid!, 'SIGKILL');
      const restarted = () => ws!.store.listEvents({ service: 'box', type: 'instance.restarted' });
      await expect.poll(restarted, { interval: 200 }).toEqual([expect.objectContaining({ actor: 'runtime:ctr', environment: 'lab', message: expect.stringMatching(/^lab\.box\.0: restarted \(restart 1\)/) })]);
    } finally {
      await loop.stop();
    }
  });
});
