/**
 * The ssh runtime against real hosts: sshd in network namespaces on a test bridge, HAProxy in
 * front of them. Each test gets its own base directories (the hosts share one filesystem).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instanceUrl } from '../../desired/address.js';
import type { DesiredUnit, ObservedInstance, ResolvedWorkload } from '../../desired/types.js';
import { ephemeralSealer } from '../../secrets/index.js';
import { startHaproxy, type Haproxy } from '../../../test/harness/haproxy.js';
import { startSshHosts, type SshHost, type SshHosts } from '../../../test/harness/sshd.js';
import { adapterContract, contractUnit, type ContractUnitOverrides, type ContractWorkloadOptions } from '../adapter-contract.js';
import { Client, type ClientChannel } from 'ssh2';
import { processesMentioning } from '../../../test/helpers/processes.js';
import type { ConnectFn } from '../kit/ssh/connection.js';
import type { SetTimer } from './parked-sessions.js';
import { openSshRuntime, warmSshRuntime, type SshRuntime, type SshRuntimeDeps } from './ssh-runtime.js';
import { SshTarget } from './settings.js';

const APP = fileURLToPath(new URL('./testdata/app', import.meta.url));
const TARGET = 'hosts';

let lab: SshHosts;
beforeAll(async () => {
  lab = await startSshHosts(4);
});
afterAll(async () => {
  await lab?.stop();
});

function workload(version: string, patch: Partial<ResolvedWorkload> = {}, { ticks }: ContractWorkloadOptions = { ticks: false }): ResolvedWorkload {
  return {
    command: process.execPath,
    args: ['server.mjs'],
    workingDir: APP,
    env: { FIXTURE_VERSION: version, ...(ticks && { LOG_EVERY_MS: '200' }) },
    ports: { http: 'auto' },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
    ...patch,
  };
}

let sandboxes = 0;
/** Fresh base directories on `hosts` and a fresh state directory; `done()` removes every unit, closes, deletes. */
class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-ssh-'));
  readonly runtimes: SshRuntime[] = [];
  readonly id = sandboxes++;

  constructor(
    readonly hosts: readonly SshHost[],
    private readonly extra: Record<string, unknown> = {},
  ) {
    for (const host of hosts) {
      lab.network.assertReachable(host.net);
      lab.userDir(this.baseDir(host));
    }
  }

  baseDir(host: SshHost): string {
    return join(host.baseDir, `sandbox-${this.id}`);
  }

  settings(patch: Record<string, unknown> = {}) {
    return SshTarget.parse({
      runtime: 'ssh',
      hosts: this.hosts.map((h) => ({ name: h.name, address: h.address, baseDir: this.baseDir(h) })),
      user: lab.user.name,
      identityFile: lab.identityFile,
      knownHosts: lab.knownHostsFile,
      connectTimeoutSeconds: 2,
      readyTimeoutSeconds: 10,
      ...this.extra,
      ...patch,
    });
  }

  async open(patch: Record<string, unknown> = {}, deps: SshRuntimeDeps = {}): Promise<SshRuntime> {
    const runtime = await openSshRuntime(this.settings(patch), { target: TARGET, stateDir: join(this.dir, 'state'), sealer: ephemeralSealer() }, deps);
    this.runtimes.push(runtime);
    return runtime;
  }

  unit(overrides: ContractUnitOverrides = {}, patch: Partial<ResolvedWorkload> = {}): DesiredUnit {
    return contractUnit(TARGET, (version, options) => workload(version, patch, options), overrides);
  }

  async done(): Promise<void> {
    for (const host of this.hosts) lab.network.linkUp(host.net);
    for (const runtime of this.runtimes.splice(0)) await runtime.close();
    const runtime = await openSshRuntime(this.settings(), { target: TARGET, stateDir: join(this.dir, 'state'), sealer: ephemeralSealer() });
    for (const unit of await runtime.observe()) await runtime.remove(unit);
    await runtime.close();
    rmSync(this.dir, { recursive: true, force: true });
    for (const host of this.hosts) rmSync(this.baseDir(host), { recursive: true, force: true });
  }
}

let contractSandbox: Sandbox | undefined;
adapterContract('ssh (2 hosts)', {
  open: async () => {
    contractSandbox = new Sandbox(lab.hosts.slice(0, 2));
    return contractSandbox.open();
  },
  reopen: () => contractSandbox!.open(),
  unit: (overrides) => contractSandbox!.unit(overrides),
  cleanup: async () => {
    await contractSandbox?.done();
    contractSandbox = undefined;
  },
  killInstance: async (instance: ObservedInstance) => void process.kill(instance.pid!, 'SIGKILL'),
  disconnect: async () => contractSandbox!.hosts.forEach((h) => lab.network.linkDown(h.net)),
  reconnect: async () => contractSandbox!.hosts.forEach((h) => lab.network.linkUp(h.net)),
});

/** Requests `url` from `workers` loops until stopped; counts answers by body and failures. */
function hammer(url: string, workers = 4) {
  let running = true;
  const counts = { ok: 0, failed: 0, bodies: new Map<string, number>(), errors: [] as string[] };
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const body = await response.text();
        if (response.status !== 200) throw new Error(`status ${response.status}: ${body.slice(0, 80)}`);
        counts.ok++;
        const release = body.split(' ')[0]!;
        counts.bodies.set(release, (counts.bodies.get(release) ?? 0) + 1);
      } catch (error) {
        counts.failed++;
        counts.errors.push(String(error));
      }
    }
  });
  return {
    counts,
    async stop() {
      running = false;
      await Promise.all(loops);
      return counts;
    },
  };
}

/** A `connect` that counts the exec channels its clients open, and those still open. */
function countingChannels() {
  const channels = { opened: 0, open: 0 };
  const connect: ConnectFn = (config) => {
    const client = new Client();
    const exec = client.exec.bind(client) as (command: string, callback: (error: Error | undefined, channel: ClientChannel) => void) => Client;
    client.exec = ((command: string, callback: (error: Error | undefined, channel: ClientChannel) => void) =>
      exec(command, (error, channel) => {
        if (!error) {
          channels.opened++;
          channels.open++;
          channel.once('close', () => channels.open--);
        }
        callback(error, channel);
      })) as Client['exec'];
    return client.connect(config);
  };
  return { channels, connect };
}

/** A `connect` that counts its clients (one per login), those logged in and not yet closed, and those closed, and its channels as {@link countingChannels} does. */
function countingLogins() {
  const logins = { made: 0, connected: 0, closed: 0 };
  const counted = countingChannels();
  const connect: ConnectFn = (config) => {
    logins.made++;
    const client = counted.connect(config);
    let ready = false;
    client.once('ready', () => ((ready = true), logins.connected++));
    client.once('close', () => (logins.closed++, ready && logins.connected--));
    return client;
  };
  return { logins, channels: counted.channels, connect };
}

/** Timers that fire only when `fire()` is called. */
function heldTimers() {
  const due = new Set<() => void>();
  const setTimer: SetTimer = (fn) => (due.add(fn), () => due.delete(fn));
  return { setTimer, fire: () => [...due].forEach((fn) => (due.delete(fn), fn())) };
}

describe('ssh runtime: one channel per host for an observation and the apply that follows', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.done();
    sandbox = undefined;
  });

  it('an apply right after an observation continues its session on each host, opening no channel of its own', async () => {
    sandbox = new Sandbox(lab.hosts);
    const { channels, connect } = countingChannels();
    const runtime = await sandbox.open({}, { connect, setTimer: heldTimers().setTimer });
    await runtime.observe();
    expect(channels).toEqual({ opened: 4, open: 4 });
    await runtime.apply(sandbox.unit({ replicas: 4, version: '1' }));
    expect(channels).toEqual({ opened: 4, open: 0 });
    const [observed] = await runtime.observe();
    expect(observed).toMatchObject({ release: { version: '1' }, health: 'healthy' });
  });

  it('a parked session no apply takes is ended once it expires, and the next apply lists afresh', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const { channels, connect } = countingChannels();
    const timers = heldTimers();
    const runtime = await sandbox.open({}, { connect, setTimer: timers.setTimer });
    await runtime.observe();
    expect(channels).toEqual({ opened: 2, open: 2 });
    const sessions = () => sandbox!.hosts.flatMap((h) => processesMentioning(sandbox!.baseDir(h)));
    expect(sessions()).not.toEqual([]);
    timers.fire();
    await expect.poll(() => channels.open).toBe(0);
    await expect.poll(sessions).toEqual([]);
    await runtime.apply(sandbox.unit({ replicas: 2, version: '1' }));
    expect(channels).toMatchObject({ opened: 4, open: 0 });
  });
});

describe('ssh runtime: logging in before the target opens (warm)', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.done();
    sandbox = undefined;
  });
  const place = (s: Sandbox, readAhead = false) => ({ target: TARGET, stateDir: join(s.dir, 'state'), readAhead });
  /** Gives each host an events file just beyond what a listing keeps: a listing shows by moving it aside, to the paths returned. */
  const eventsToMove = (s: Sandbox) =>
    s.hosts.map((h) => {
      const events = join(s.baseDir(h), 'events');
      writeFileSync(events, 'x'.repeat(1024 * 1024 + 1));
      return `${events}.1`;
    });

  it('the runtime opened next works over the connections and sessions warm made: one login and one channel per host', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const moved = eventsToMove(sandbox);
    const warmed = countingLogins();
    warmSshRuntime(sandbox.settings(), place(sandbox), { connect: warmed.connect });
    await expect.poll(() => warmed.channels.opened, { timeout: 30_000 }).toBe(2);
    expect(moved.filter((path) => existsSync(path))).toEqual([]); // opened, not listed
    const own = countingLogins();
    const runtime = await sandbox.open({}, { connect: own.connect, setTimer: heldTimers().setTimer });
    await runtime.observe();
    await runtime.apply(sandbox.unit({ replicas: 2, version: '1' }));
    expect(warmed.channels).toEqual({ opened: 2, open: 0 });
    expect(await runtime.observe()).toMatchObject([{ release: { version: '1' }, health: 'healthy' }]);
    expect([warmed.logins.made, own.logins.made]).toEqual([2, 0]);
  });

  it('reading ahead, it lists the hosts before the runtime opens, and the first observation and the apply that follows use that listing', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const moved = eventsToMove(sandbox);
    const warmed = countingLogins();
    const now = () => 0; // no time passes: the listing stays fresh however slow this machine is
    warmSshRuntime(sandbox.settings(), place(sandbox, true), { connect: warmed.connect, now });
    await expect.poll(() => moved.filter((path) => existsSync(path)), { timeout: 30_000 }).toEqual(moved);
    const runtime = await sandbox.open({}, { now, setTimer: heldTimers().setTimer });
    expect(await runtime.observe()).toEqual([]);
    await runtime.apply(sandbox.unit({ replicas: 2, version: '1' }));
    expect(warmed.channels).toEqual({ opened: 2, open: 0 });
    expect(await runtime.observe()).toMatchObject([{ release: { version: '1' }, health: 'healthy' }]);
  });

  it('a listing read ahead serves no read once it is too old, nor one after a change began', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const unit = sandbox.unit({ replicas: 2, version: '1' });
    const setup = await sandbox.open();
    await setup.apply(unit);
    await setup.close();
    let clock = 0;
    const now = () => clock;
    const old = countingLogins();
    warmSshRuntime(sandbox.settings(), place(sandbox, true), { connect: old.connect, now });
    await expect.poll(() => old.channels.opened, { timeout: 30_000 }).toBe(2);
    const first = await sandbox.open({}, { now, setTimer: heldTimers().setTimer });
    clock = 5_001;
    expect(await first.observe()).toMatchObject([{ release: { version: '1' } }]);
    expect(old.channels.opened).toBe(4);
    await first.close();

    clock = 0;
    const moved = eventsToMove(sandbox);
    const changed = countingLogins();
    warmSshRuntime(sandbox.settings(), place(sandbox, true), { connect: changed.connect, now });
    await expect.poll(() => moved.filter((path) => existsSync(path)), { timeout: 30_000 }).toEqual(moved);
    const second = await sandbox.open({}, { now, setTimer: heldTimers().setTimer });
    await second.remove(unit); // the listing read ahead still shows the unit's instances
    expect(await second.observe()).toEqual([]);
  });

  it('sessions warm opened that no read takes are ended: nothing of them is left on the hosts', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const sessions = () => sandbox!.hosts.flatMap((h) => processesMentioning(sandbox!.baseDir(h)));
    const warmed = countingLogins();
    warmSshRuntime(sandbox.settings(), place(sandbox), { connect: warmed.connect });
    await expect.poll(() => warmed.channels.open, { timeout: 30_000 }).toBe(2);
    const timers = heldTimers();
    const runtime = await sandbox.open({}, { setTimer: timers.setTimer });
    await expect.poll(sessions, { timeout: 30_000 }).not.toEqual([]);
    timers.fire();
    await expect.poll(() => warmed.channels.open, { timeout: 30_000 }).toBe(0);
    await expect.poll(sessions, { timeout: 30_000 }).toEqual([]);
    expect(await runtime.observe()).toEqual([]);
    expect(warmed.channels.opened).toBe(4);
  });

  it('connections no runtime takes up are closed: when dropped, or once they have waited long enough', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const dropped = countingLogins();
    const drop = warmSshRuntime(sandbox.settings(), place(sandbox), { connect: dropped.connect });
    await expect.poll(() => dropped.logins.connected, { timeout: 30_000 }).toBe(2);
    drop();
    await expect.poll(() => dropped.logins.connected, { timeout: 30_000 }).toBe(0);
    const expired = countingLogins();
    warmSshRuntime(sandbox.settings(), place(sandbox), { connect: expired.connect, keptMs: 3_000 });
    await expect.poll(() => expired.logins.closed, { timeout: 30_000 }).toBe(2);
    // What expired is not taken up: the runtime logs in itself.
    const own = countingLogins();
    await (await sandbox.open({}, { connect: own.connect })).observe();
    expect(own.logins.made).toBe(2);
  });
});

describe('ssh runtime on namespace hosts behind HAProxy', () => {
  let sandbox: Sandbox | undefined;
  let haproxy: Haproxy | undefined;
  afterEach(async () => {
    await haproxy?.stop();
    haproxy = undefined;
    await sandbox?.done();
    sandbox = undefined;
  });

  /** Four hosts serving a unit on port `port` behind a fresh HAProxy. */
  async function balanced(port: number) {
    haproxy = await startHaproxy({ servers: lab.hosts.map((h) => ({ name: h.name, address: h.address, port })) });
    sandbox = new Sandbox(lab.hosts, { haproxy: { socket: haproxy.socket, backend: haproxy.backend, drainTimeoutSeconds: 5 } });
    const unit = (version: string) => sandbox!.unit({ service: `web${port}`, version, replicas: 4 }, { ports: { http: port } });
    return { haproxy, sandbox, unit };
  }

  it('rolls a release over 4 hosts with no failed request from a client hammering HAProxy', async () => {
    const { haproxy, sandbox, unit } = await balanced(8080);
    const runtime = await sandbox.open();
    await runtime.apply(unit('1'));
    const client = hammer(haproxy.url);
    // Requests before, during and after the rollout: counted, not timed.
    const answered = () => client.counts.ok + client.counts.failed;
    await expect.poll(answered).toBeGreaterThanOrEqual(100);
    const progress: string[] = [];
    await runtime.apply(unit('2'), { onProgress: (m) => progress.push(m) });
    const afterRollout = answered();
    await expect.poll(answered).toBeGreaterThanOrEqual(afterRollout + 100);
    const counts = await client.stop();
    console.info(`rolling release: ${counts.ok} requests answered, ${counts.failed} failed, by release: ${JSON.stringify([...counts.bodies])}`);
    expect(counts.errors).toEqual([]);
    expect(counts.ok).toBeGreaterThan(200);
    expect(counts.bodies.get('1')).toBeGreaterThan(0);
    expect(counts.bodies.get('2')).toBeGreaterThan(0);
    expect(progress).toHaveLength(4);
    const [observed] = await runtime.observe();
    expect(observed).toMatchObject({ release: { version: '2' }, health: 'healthy' });
    expect(observed!.instances.map((i) => i.id)).toEqual(['dev.web8080.0@h0', 'dev.web8080.1@h1', 'dev.web8080.2@h2', 'dev.web8080.3@h3']);
  });

  it('a host cut off during a rollout is reported unreachable, the others roll on, and it converges when it is back', async () => {
    const { haproxy, sandbox, unit } = await balanced(8090);
    const runtime = await sandbox.open();
    await runtime.apply(unit('1'));
    const [, , cut] = lab.hosts;
    const rollout = runtime.apply(unit('2'), { onProgress: (m) => m.includes('host h0 ') && lab.network.linkDown(cut!.net) });
    await expect(rollout).rejects.toThrow(/host h2 .*unreachable/);
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(haproxy.url).then((r) => r.text())));
    expect(new Set(answers.map((a) => a.split(' ')[0]))).toEqual(new Set(['2']));
    const [away] = await runtime.observe();
    const byHost = Object.fromEntries(away!.instances.map((i) => [i.id.split('@')[1], i]));
    expect(byHost.h2).toMatchObject({ state: 'unhealthy', message: 'unreachable' });
    for (const host of ['h0', 'h1', 'h3']) expect(byHost[host]).toMatchObject({ state: 'ready' });
    expect(away!.health).toBe('degraded');

    lab.network.linkUp(cut!.net);
    lab.network.assertReachable(cut!.net);
    await runtime.apply(unit('2'));
    const [back] = await runtime.observe();
    expect(back).toMatchObject({ release: { version: '2' }, health: 'healthy' });
    expect((await fetch(haproxy.url).then((r) => r.text())).split(' ')[0]).toBe('2');
  });

  it("reports each instance at its host's address, where the control plane reaches it", async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ replicas: 2, version: '3' }));
    const [observed] = await runtime.observe();
    expect(observed!.instances.map((i) => i.host)).toEqual(lab.hosts.slice(0, 2).map((h) => h.address));
    for (const instance of observed!.instances) {
      expect(instance.host).not.toBe('127.0.0.1');
      expect(await fetch(instanceUrl(instance)).then((r) => r.text())).toBe(`3 ${instance.id.split('@')[0]}`);
    }
  });

  it('a release that does not become ready halts the rollout on the first host, which runs the old one again', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    // The good release gets all the time a loaded machine needs; the broken one is given up after 2 s.
    const first = await sandbox.open();
    await first.apply(sandbox.unit({ replicas: 2, version: '1' }));
    await first.close();
    const runtime = await sandbox.open({ readyTimeoutSeconds: 2 });
    const before = await runtime.observe();
    const broken = contractUnit(TARGET, (v) => workload(v, { env: { FAIL_READINESS: '1' } }), { replicas: 2, version: '2' });
    await expect(runtime.apply(broken)).rejects.toThrow(/release 2 did not become ready on host h0; it runs its previous release again/);
    const [after] = await runtime.observe();
    expect(after).toMatchObject({ release: { version: '1' }, health: 'healthy' });
    expect(after!.instances.map((i) => i.pid)).not.toEqual(before[0]!.instances.map((i) => i.pid));
    expect(after!.instances[1]!.pid).toBe(before[0]!.instances[1]!.pid);
  });

  it('refuses a host whose key is not the pinned one, and sends it nothing', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 2));
    const [h0, h1] = lab.hosts;
    const runtime = await sandbox.open({
      knownHosts: undefined,
      hosts: [
        { name: 'h0', address: h0!.address, baseDir: sandbox.baseDir(h0!), hostKeys: [h1!.fingerprint] },
        { name: 'h1', address: h1!.address, baseDir: sandbox.baseDir(h1!), hostKeys: [h1!.fingerprint] },
      ],
    });
    await expect(runtime.apply(sandbox.unit({ replicas: 2 }))).rejects.toThrow(/host h0 is unreachable: it presented host key SHA256:\S+, which is not pinned for it: refused/);
    expect(readdirSync(sandbox.baseDir(h0!))).toEqual([]);
    const [observed] = await runtime.observe();
    expect(observed!.instances.map((i) => [i.id, i.state, i.message ?? ''])).toEqual([
      ['dev.api.0@h0', 'unhealthy', 'host key rejected'],
      ['dev.api.1@h1', 'ready', ''],
    ]);
  });

  it('prunes releases beyond keepReleases, never the one in use', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 1));
    const runtime = await sandbox.open({ keepReleases: 1 });
    for (const version of ['1', '2', '3', '4']) await runtime.apply(sandbox.unit({ version }));
    const releases = join(sandbox.baseDir(lab.hosts[0]!), 'releases');
    expect(readdirSync(releases)).toHaveLength(2);
    const current = join(sandbox.baseDir(lab.hosts[0]!), 'units', 'dev.api', 'current');
    expect(existsSync(current)).toBe(true);
    const [observed] = await runtime.observe();
    expect(observed).toMatchObject({ release: { version: '4' }, health: 'healthy' });
  });

  it('streams an instance log', async () => {
    sandbox = new Sandbox(lab.hosts.slice(0, 1));
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ version: '7' }));
    const lines = [];
    for await (const line of runtime.logs(sandbox.unit())) lines.push(line);
    expect(lines).toEqual([expect.objectContaining({ instance: 'dev.api.0@h0', line: expect.stringMatching(/^release 7 listening on \d+$/) })]);
  });
});
