/**
 * The container runtime's watch on rootful Podman (an API service of its own, `test/harness/podman.ts`):
 * it tells of a container of its target killed, restarted by the engine, ready again and removed by
 * hand, naming its unit, and of nothing on another target; the API service going away is told
 * `lost` once and, once it is back, `linked` again; `stop()` leaves no handle open.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from '../../../test/harness/podman.js';
import type { ResolvedWorkload } from '../../desired/types.js';
import { ephemeralSealer } from '../../secrets/index.js';
import { contractUnit } from '../adapter-contract.js';
import type { WatchEvent } from '../types.js';
import { openContainerRuntime, type ContainerRuntime, type ContainerRuntimeDeps } from './container-runtime.js';
import { LABEL } from './labels.js';
import { ContainerTarget } from './settings.js';
import { EngineWatcher, parseEngineEvent } from './watch.js';

/** Its own per test process, so that two runs on one machine never touch each other's containers. */
const TARGET = `ctr-watch-${process.pid}`;
const OTHER = `ctr-watch-other-${process.pid}`;

let podman: PodmanService;
beforeAll(async () => {
  podman = await startPodman();
  await ensureTestImage(podman.docker);
});
afterAll(async () => {
  for (const target of [TARGET, OTHER]) await removeTargetContainers(podman.docker, target);
  await podman.stop();
});

/**
 * busybox httpd on $PORT, whose probe (`/healthz`) passes only a second after each start (restarted,
 * the container keeps its files: the last start's is removed first), so that its start and its
 * readiness are told apart.
 */
function slowReadyWorkload(version: string): ResolvedWorkload {
  return {
    command: `image:${TEST_IMAGE}`,
    args: ['sh', '-c', 'busybox rm -f /www/healthz; echo hi > /www/index.html; (sleep 1; echo ok > /www/healthz) & exec httpd -f -p "$PORT" -h /www'],
    workingDir: '/',
    env: { FIXTURE_VERSION: version },
    ports: { http: 'auto' },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
  };
}

const runtimes: ContainerRuntime[] = [];
const dir = mkdtempSync(join(tmpdir(), 'slipway-container-watch-'));
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  for (const target of [TARGET, OTHER]) await removeTargetContainers(podman.docker, target);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(target = TARGET, deps: ContainerRuntimeDeps = {}): Promise<ContainerRuntime> {
  const settings = ContainerTarget.parse({ runtime: 'container', socket: podman.socketPath, network: 'slirp4netns', readyTimeoutSeconds: 10 });
  const runtime = await openContainerRuntime(settings, { target, stateDir: join(dir, target), sealer: ephemeralSealer() }, deps);
  runtimes.push(runtime);
  return runtime;
}

/** The id and main pid of the one container of `target`. */
async function containerOf(target: string): Promise<{ id: string; pid: number }> {
  const [info] = await podman.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${target}`] } });
  const details = await podman.docker.getContainer(info!.Id).inspect();
  return { id: info!.Id, pid: details.State.Pid };
}

function podmanCli(...args: string[]): void {
  const run = spawnSync('podman', args, { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
}

const links = (events: readonly WatchEvent[]) => events.flatMap((e) => (e.type === 'changed' ? [] : [`${e.type} ${e.link}`]));
const changes = (events: readonly WatchEvent[]) => events.flatMap((e) => (e.type === 'changed' ? [e] : []));

/** Resources that keep this process's event loop alive (sockets, timers), by type. */
function handles(): Record<string, number> {
  const count: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (type !== 'TTYWrap') count[type] = (count[type] ?? 0) + 1;
  return count;
}

describe('parseEngineEvent', () => {
  /** An event as Podman's compat API sends it. */
  const event = (action: string, attributes: Record<string, string>) => {
    const actor = { ID: 'c0ffee', Attributes: { name: 'slipway.t.dev.api.0.0', ...attributes } };
    return JSON.stringify({ status: action, id: 'c0ffee', Type: 'container', Action: action, Actor: actor });
  };
  const labels = { [LABEL.target]: 't', [LABEL.service]: 'api', [LABEL.environment]: 'dev' };

  it('names the unit from the labels, words the action, and says whether readiness is to be awaited', () => {
    expect(parseEngineEvent(event('die', { ...labels, exitCode: '137' }), 't')).toEqual({
      id: 'c0ffee',
      key: { service: 'api', environment: 'dev', target: 't' },
      about: 'api in dev: container slipway.t.dev.api.0.0',
      what: 'died (exit code 137)',
      awaitsReady: false,
    });
    expect(parseEngineEvent(event('start', { ...labels, [LABEL.probe]: '{}' }), 't')).toMatchObject({ what: 'started', awaitsReady: true });
    expect(parseEngineEvent(event('start', labels), 't')).toMatchObject({ awaitsReady: false });
    expect(parseEngineEvent(event('destroy', labels), 't')).toMatchObject({ what: 'removed' });
    expect(parseEngineEvent(event('remove', { [LABEL.target]: 't' }), 't')).toEqual({
      id: 'c0ffee',
      about: 'container slipway.t.dev.api.0.0',
      what: 'removed',
      awaitsReady: false,
    });
  });

  it('leaves out another target, actions that change nothing observed, and what is not an event', () => {
    expect(parseEngineEvent(event('die', labels), 'u')).toBeUndefined();
    for (const action of ['exec_died', 'exec', 'kill', 'init', 'constructor']) expect(parseEngineEvent(event(action, labels), 't')).toBeUndefined();
    expect(parseEngineEvent('{"Type":"image","Action":"remove","Actor":{"ID":"x","Attributes":{}}}', 't')).toBeUndefined();
    expect(parseEngineEvent('not json', 't')).toBeUndefined();
  });
});

describe('container watch', () => {
  it('tells of a container of its target killed, restarted, ready again and removed, naming its unit; not of another target', async () => {
    const runtime = await open();
    const other = await open(OTHER);
    await runtime.apply(contractUnit(TARGET, slowReadyWorkload));
    await other.apply(contractUnit(OTHER, slowReadyWorkload));
    const events: WatchEvent[] = [];
    const watching = runtime.watch((event) => events.push(event));
    try {
      await expect.poll(() => links(events)).toEqual([`linked ${podman.socketPath}`]);
      // Another target's container killed and removed first: what is told of ours after it shows it was left out.
      podmanCli('rm', '-f', '-t', '0', (await containerOf(OTHER)).id);
      const { id, pid } = await containerOf(TARGET);
      process.kill(pid, 'SIGKILL');
      const name = `slipway.${TARGET}.dev.api.0.0`;
      const told = () => changes(events).map((e) => e.message);
      await expect.poll(told).toEqual([
        `api in dev: container ${name} died (exit code 137)`,
        `api in dev: container ${name} restarted`,
        `api in dev: container ${name} started`,
        `api in dev: container ${name} ready`,
      ]);
      podmanCli('rm', '-f', '-t', '0', id);
      await expect.poll(() => told().at(-1)).toBe(`api in dev: container ${name} removed`);
      expect(changes(events).map((e) => e.key)).toEqual(told().map(() => ({ service: 'api', environment: 'dev', target: TARGET })));
      expect(links(events)).toEqual([`linked ${podman.socketPath}`]);
    } finally {
      await watching.stop();
    }
  });

  it('tells lost once while the API service is away, and linked again once it is back', async () => {
    let attempts = 0;
    const docker = new Dockerode({ socketPath: podman.socketPath });
    const getEvents = docker.getEvents.bind(docker) as (options: Dockerode.GetEventsOptions) => Promise<NodeJS.ReadableStream>;
    Object.assign(docker, { getEvents: (options: Dockerode.GetEventsOptions) => (attempts++, getEvents(options)) });
    const runtime = await open(TARGET, { docker });
    await runtime.apply(contractUnit(TARGET, slowReadyWorkload));
    const events: WatchEvent[] = [];
    const watching = runtime.watch((event) => events.push(event));
    try {
      await expect.poll(() => links(events)).toEqual([`linked ${podman.socketPath}`]);
      await podman.pause();
      try {
        await expect.poll(() => links(events)).toEqual([`linked ${podman.socketPath}`, `lost ${podman.socketPath}`]);
        const lost = new RegExp(`^container engine of target ${TARGET}: its event stream (ended|failed)`);
        expect(events.at(-1)).toMatchObject({ message: expect.stringMatching(lost) });
        // Two more attempts failed while it was away, told no more.
        await expect.poll(() => attempts, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
        expect(links(events)).toHaveLength(2);
      } finally {
        await podman.resume();
      }
      const relinked = [`linked ${podman.socketPath}`, `lost ${podman.socketPath}`, `linked ${podman.socketPath}`];
      await expect.poll(() => links(events), { timeout: 60_000 }).toEqual(relinked);
      // The stream opened again tells what happens.
      podmanCli('rm', '-f', '-t', '0', (await containerOf(TARGET)).id);
      await expect.poll(() => changes(events).at(-1)?.message ?? '').toSatisfy((m: string) => m.endsWith(`container slipway.${TARGET}.dev.api.0.0 removed`));
    } finally {
      await watching.stop();
    }
  });

  it('stop() closes the stream, the probes under way and a pending retry, leaving no handle open', async () => {
    const before = handles();
    let tries = 0;
    const events: WatchEvent[] = [];
    const docker = new Dockerode({ socketPath: podman.socketPath });
    // A probe that never passes: the watcher tries it until stopped.
    const options = { docker, target: TARGET, link: 'engine', ready: async () => (tries++, false), readyWithinMs: 600_000 };
    const linked = new EngineWatcher(options, (event) => events.push(event));
    await expect.poll(() => links(events)).toEqual(['linked engine']);
    podmanCli('run', '-d', '--label', `${LABEL.target}=${TARGET}`, '--label', `${LABEL.probe}={}`, TEST_IMAGE, 'sleep', '600');
    await expect.poll(() => tries).toBeGreaterThan(0);
    await linked.stop();
    await linked.stop();

    await podman.pause();
    let retrying: EngineWatcher | undefined;
    try {
      retrying = new EngineWatcher(options, (event) => events.push(event));
      await expect.poll(() => links(events)).toEqual(['linked engine', 'lost engine']);
    } finally {
      await retrying?.stop();
      await podman.resume();
    }
    const tried = tries;
    await expect.poll(handles).toEqual(before);
    expect(tries).toBe(tried);
  });
});
