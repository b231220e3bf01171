/**
 * Observation pushed by SSH hosts (sshd in network namespaces, see test/harness): the `ssh`
 * runtime's `watch()` tells of an instance killed and of a release switched by another orchestrator
 * without a single `observe()`; a host cut off is told lost, and once it is back, linked again (its
 * watcher of before ended) and observed by the observe loop; while nothing changes, the observe
 * loop opens no channel to a watched host and the host runs no new process, however many times the
 * loop observed a target beside it that cannot watch. Woken by what the hosts tell, the reconcile
 * loop leaves an instance killed on a host to the host's supervisor, which restarts it (the
 * service is ready 4 s after it starts, so the loop sees it down for a while): no correction races the restart.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, type ConnectConfig } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Reconciler, startObserveLoop, startReconcileLoop } from '../src/converge/index.js';
import { deploy, Workspace } from '../src/engine/index.js';
import type { ObservedUnit } from '../src/desired/types.js';
import { Observations } from '../src/engine/observations.js';
import type { RuntimeAdapter, Watchable, WatchEvent } from '../src/runtimes/index.js';
import { contractUnit } from '../src/runtimes/adapter-contract.js';
import { openSshRuntime, type SshRuntime } from '../src/runtimes/ssh/ssh-runtime.js';
import { SshTarget } from '../src/runtimes/ssh/settings.js';
import { ephemeralSealer } from '../src/secrets/index.js';
import { startSshHosts, type SshHost, type SshHosts } from './harness/sshd.js';
import { processesMentioning } from './helpers/processes.js';

const APP = fileURLToPath(new URL('../src/runtimes/ssh/testdata/app', import.meta.url));
const TARGET = 'hosts';

let lab: SshHosts;
beforeAll(async () => {
  lab = await startSshHosts(2);
});
afterAll(async () => {
  await lab?.stop();
});

let sandboxes = 0;
/** Base directories of its own on every host, a state directory, and the runtimes opened on them. */
class Sandbox {
  readonly id = sandboxes++;
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-ssh-watch-'));
  readonly runtimes: SshRuntime[] = [];
  /** Exec channels opened by the runtimes, over every host. */
  channels = 0;

  constructor() {
    made.push(this);
    for (const host of lab.hosts) {
      lab.network.assertReachable(host.net);
      lab.userDir(this.baseDir(host));
    }
  }

  baseDir(host: SshHost): string {
    return join(host.baseDir, `watch-${this.id}`);
  }

  /** A runtime of the target, counting the channels it opens; `orchestrator` names its state directory (another one is another orchestrator). */
  async open(orchestrator = 'a'): Promise<SshRuntime> {
    const settings = SshTarget.parse({
      runtime: 'ssh',
      hosts: lab.hosts.map((h) => ({ name: h.name, address: h.address, baseDir: this.baseDir(h) })),
      user: lab.user.name,
      identityFile: lab.identityFile,
      knownHosts: lab.knownHostsFile,
      connectTimeoutSeconds: 2,
      readyTimeoutSeconds: 10,
    });
    const connect = (config: ConnectConfig) => {
      const client = new Client();
      const exec = client.exec.bind(client) as (...args: unknown[]) => Client;
      (client as unknown as { exec: (...args: unknown[]) => Client }).exec = (...args) => (this.channels++, exec(...args));
      return client.connect(config);
    };
    const runtime = await openSshRuntime(settings, { target: TARGET, stateDir: join(this.dir, orchestrator), sealer: ephemeralSealer() }, { connect });
    this.runtimes.push(runtime);
    return runtime;
  }

  /** Two replicas (one a host) of release `version` of `api`. */
  unit(version: string) {
    return contractUnit(TARGET, (v) => ({
      command: process.execPath,
      args: ['server.mjs'],
      workingDir: APP,
      env: { FIXTURE_VERSION: v },
      ports: { http: 'auto' },
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
    }), { version, replicas: 2 });
  }

  /** The pid the instance of release `version` on `host` runs as, read from its directory. */
  pid(host: SshHost, version: string): number {
    const unitDir = join(this.baseDir(host), 'units', 'dev.api');
    const meta = (name: string) => {
      try {
        return JSON.parse(readFileSync(join(unitDir, name, 'meta.json'), 'utf8')) as { release: { version: string } };
      } catch {
        return undefined;
      }
    };
    const instance = readdirSync(unitDir).find((name) => meta(name)?.release.version === version);
    return Number(readFileSync(join(unitDir, instance!, 'pid'), 'utf8'));
  }

  async done(): Promise<void> {
    for (const host of lab.hosts) lab.network.linkUp(host.net);
    for (const runtime of this.runtimes.splice(0)) await runtime.close();
    const runtime = await this.open();
    for (const unit of await runtime.observe()) await runtime.remove(unit);
    await runtime.close();
    rmSync(this.dir, { recursive: true, force: true });
    for (const host of lab.hosts) rmSync(this.baseDir(host), { recursive: true, force: true });
  }
}

/**
 * `runtime` as the observe loop sees it (an adapter that watches), counting its `observe()` calls in
 * `count.observed` and keeping every event its watch tells in `events`.
 */
function counting(runtime: SshRuntime): { runtime: RuntimeAdapter & Watchable; count: { observed: number }; events: WatchEvent[] } {
  const count = { observed: 0 };
  const events: WatchEvent[] = [];
  const adapter: RuntimeAdapter & Watchable = {
    kind: runtime.kind,
    apply: (unit) => runtime.apply(unit),
    remove: (key) => runtime.remove(key),
    close: () => runtime.close(),
    observe: () => (count.observed++, runtime.observe()),
    watch: (listener) => runtime.watch((event) => (events.push(event), listener(event))),
  };
  return { runtime: adapter, count, events };
}

/** Pids of every process descending from the host's sshd (its sessions and what they run). */
function hostProcesses(host: SshHost): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const family = new Set([host.sshd.pid!]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!family.has(parent) || family.has(pid)) continue;
      family.add(pid);
      grew = true;
    }
  }
  family.delete(host.sshd.pid!);
  return [...family].sort((a, b) => a - b);
}

/** A process's command line, or '' once it has gone. */
function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

const told = (events: readonly WatchEvent[]) => events.map((e) => (e.type === 'changed' ? e.message.replace(/pid \d+/, 'pid N').replace(/r(\d)-\S+/, 'r$1') : `${e.type} ${e.link}`));
/** The links told, in order (`linked h0`, `lost h0`): a supervisor may still note an instance ready after an apply returned, so changes are read apart. */
const links = (events: readonly WatchEvent[]) => events.flatMap((e) => (e.type === 'changed' ? [] : [`${e.type} ${e.link}`]));

let sandbox: Sandbox;
/** Sandboxes made by the test under way, cleaned up after it. */
const made: Sandbox[] = [];
afterEach(async () => {
  for (const each of made.splice(0)) await each.done();
});

describe('ssh watch', () => {
  it("tells of an instance killed and of a release switched by another orchestrator, and observes nothing", async () => {
    sandbox = new Sandbox();
    const { runtime, count, events } = counting(await sandbox.open());
    await runtime.apply(sandbox.unit('1'));
    const watching = runtime.watch(() => {});
    try {
      await expect.poll(() => links(events).sort()).toEqual(['linked h0', 'linked h1']);
      // A supervisor may note its instance ready after the apply returned (on a loaded machine, after
      // the watcher began): each story below is read from its first event on.
      const story = (about: string, first: string) => {
        const lines = told(events).filter((m) => m.includes(about));
        const start = lines.findIndex((m) => m.includes(first));
        return start < 0 ? [] : lines.slice(start);
      };
      const [h0] = lab.hosts;
      process.kill(sandbox.pid(h0!, '1'), 'SIGKILL');
      await expect.poll(() => story('r0 on h0', 'exited')).toEqual(['dev.api r0 on h0: exited (status 137)', 'dev.api r0 on h0: started as pid N', 'dev.api r0 on h0: ready']);
      const exited = events.find((e) => e.type === 'changed' && e.message.includes('exited')) as Extract<WatchEvent, { type: 'changed' }>;
      expect(exited.key).toEqual({ service: 'api', environment: 'dev', target: TARGET });

      // Someone else (a person's `slipway deploy` from elsewhere) switches the hosts to release 2.
      const other = await sandbox.open('b');
      await other.apply(sandbox.unit('2'));
      await expect.poll(() => story('on h1', 'switched').map((m) => m.replace(/release \S+/, 'release R'))).toEqual([
        'dev.api on h1: switched to release R',
        'dev.api r1 on h1: stopped',
        'dev.api r1 on h1: started as pid N',
        'dev.api r1 on h1: ready',
      ]);
      await expect.poll(() => story('on h0', 'switched')).toHaveLength(4);
      expect(count.observed).toBe(0);
    } finally {
      await watching.stop();
    }
  });

  it('tells a host cut off as lost and, back, as linked, ending its watcher of before; the observe loop observes it again then', async () => {
    sandbox = new Sandbox();
    const { runtime, count, events } = counting(await sandbox.open());
    await runtime.apply(sandbox.unit('1'));
    const observations = new Observations();
    const recorded: string[] = [];
    const loop = startObserveLoop(
      {
        runtimes: new Map([[TARGET, runtime]]),
        observations,
        recordRuntimeEvent: async (event) => void recorded.push(event.message),
        store: { putObserved: async () => {}, patchObserved: async () => {} },
      },
      { intervalMs: 100 },
    );
    const [h0] = lab.hosts;
    const watcherOf = (host: SshHost) => processesMentioning(`${sandbox.baseDir(host)}/events`);
    /** The `tail` processes following the host's events file: one per live watcher. */
    const tailsOf = (host: SshHost) => watcherOf(host).filter((pid) => cmdlineOf(pid).startsWith('tail'));
    try {
      await expect.poll(() => links(events).sort()).toEqual(['linked h0', 'linked h1']);
      await expect.poll(() => watcherOf(h0!).length).toBeGreaterThan(0);
      const states = () => observations.last(TARGET)?.units[0]?.instances.map((i) => i.message ?? i.state);
      await expect.poll(states).toEqual(['ready', 'ready']);
      const before = watcherOf(h0!);
      const observedBefore = count.observed;

      lab.network.linkDown(h0!.net);
      await expect.poll(() => links(events).slice(2)).toEqual(['lost h0']);
      // The observe loop saw the host's instance out of reach.
      await expect.poll(states).toEqual(['unreachable', 'ready']);
      await expect.poll(() => recorded).toEqual(['dev.api.0@h0: unhealthy (unreachable)']); // a runtime event, from what changed

      const observedWhileDown = count.observed;
      lab.network.linkUp(h0!.net);
      await expect.poll(() => links(events).slice(3), { timeout: 60_000 }).toEqual(['linked h0']);
      // Observed again once linked; the watcher the dead link left on the host was ended by the new one.
      await expect.poll(() => count.observed).toBeGreaterThan(observedWhileDown);
      await expect.poll(states).toEqual(['ready', 'ready']);
      await expect.poll(() => watcherOf(h0!).some((pid) => before.includes(pid))).toBe(false);
      await expect.poll(() => tailsOf(h0!).length).toBe(1);
      expect(observedBefore).toBeGreaterThan(0);

      // Changes on it are told again.
      process.kill(sandbox.pid(h0!, '1'), 'SIGKILL');
      await expect.poll(() => told(events).filter((m) => m.includes('exited'))).toEqual(['dev.api r0 on h0: exited (status 137)']);
    } finally {
      await loop.stop();
    }
  });

  it('idle: opens no channel to a watched host and starts no process there, however often a target beside it is observed', async () => {
    sandbox = new Sandbox();
    const { runtime, count, events } = counting(await sandbox.open());
    await runtime.apply(sandbox.unit('1'));
    /** A target that cannot watch: observed on the loop's period, it is the test's clock. */
    let ticks = 0;
    const samples: number[][][] = [];
    const clock: RuntimeAdapter = {
      kind: 'clock',
      apply: async () => {},
      remove: async () => {},
      close: async () => {},
      observe: async (): Promise<ObservedUnit[]> => {
        ticks++;
        samples.push(lab.hosts.map(hostProcesses));
        return [];
      },
    };
    const loop = startObserveLoop(
      {
        runtimes: new Map([[TARGET, runtime], ['clock', clock]]),
        observations: new Observations(),
        recordRuntimeEvent: async () => {},
        store: { putObserved: async () => {}, patchObserved: async () => {} },
      },
      { intervalMs: 100 },
    );
    try {
      await expect.poll(() => links(events).sort()).toEqual(['linked h0', 'linked h1']);
      // Settled: the observations the links asked for are done, as the clock's twenty turns since tell.
      const linkedAt = ticks;
      await expect.poll(() => ticks - linkedAt).toBeGreaterThanOrEqual(20);
      expect(count.observed).toBeGreaterThanOrEqual(1);
      const start = { ticks, channels: sandbox.channels, observed: count.observed, processes: lab.hosts.map(hostProcesses), samples: samples.length };
      expect(start.processes.every((pids) => pids.length > 0)).toBe(true); // each host's session and watcher
      await expect.poll(() => ticks - start.ticks, { timeout: 60_000 }).toBeGreaterThanOrEqual(30);
      expect({ channels: sandbox.channels, observed: count.observed }).toEqual({ channels: start.channels, observed: start.observed });
      for (const sample of samples.slice(start.samples)) expect(sample).toEqual(start.processes);
    } finally {
      await loop.stop();
    }
  });

  it("leaves an instance killed on a host to the host's supervisor: the reconcile loop, woken by the change, corrects nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-ssh-agree-'));
    chmodSync(dir, 0o711);
    cpSync(APP, join(dir, 'app'), { recursive: true });
    const baseDir = (host: SshHost) => lab.userDir(join(dir, `base-${host.name}`));
    const hosts = lab.hosts.map((h) => `{ name: ${h.name}, address: ${h.address}, baseDir: ${baseDir(h)} }`).join(', ');
    writeFileSync(
      join(dir, 'slipway.yaml'),
      `project: ssh-agree
services:
  api:
    replicas: 2
    workload:
      command: ${process.execPath}
      args: [server.mjs]
      artifact: ./app
      env: { READY_AFTER_MS: "4000" }
      ports: { http: auto }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  prod: { targets: [hosts] }
targets:
  hosts: { runtime: ssh, hosts: [${hosts}], user: ${lab.user.name}, identityFile: ${lab.identityFile}, knownHosts: ${lab.knownHostsFile}, connectTimeoutSeconds: 2, readyTimeoutSeconds: 20 }
`,
    );
    const ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
    try {
      expect((await deploy(ws, { service: 'api', environment: 'prod', actor: 'test' })).result).toBe('deployed');
      const reconciler = new Reconciler(ws);
      const converging = startReconcileLoop(reconciler, { intervalMs: 200 });
      const stopWaking = ws.onRuntimeEvent(() => converging.wake());
      const observing = startObserveLoop(ws, { onChange: () => converging.wake() });
      try {
        const health = async () => (await ws.store.listObserved({ target: TARGET })).map((u) => u.health);
        await expect.poll(health).toEqual(['healthy']);
        const [h0] = lab.hosts;
        const unitDir = join(baseDir(h0!), 'units', 'prod.api');
        const instance = readdirSync(unitDir).find((name) => name.startsWith('r0-'))!;
        process.kill(Number(readFileSync(join(unitDir, instance, 'pid'), 'utf8')), 'SIGKILL');
        const restarted = () => ws.store.listEvents({ service: 'api', type: 'instance.restarted' });
        await expect.poll(restarted).toEqual([expect.objectContaining({ actor: 'runtime:hosts', message: expect.stringMatching(/^prod\.api\.0@h0: restarted \(restart 1\)/) })]);
        await expect.poll(health).toEqual(['healthy']);
        // The reconciler looked while it was down (held back: the host's supervisor brings it back) and did nothing.
        await expect.poll(async () => (await reconciler.drift()).length).toBe(0);
        expect((await ws.store.listDeployments({ service: 'api' })).map((d) => d.createdBy)).toEqual(['test']);
      } finally {
        await observing.stop();
        stopWaking();
        await converging.stop();
      }
    } finally {
      for (const unit of await ws.runtime(TARGET).observe()) await ws.runtime(TARGET).remove(unit);
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
