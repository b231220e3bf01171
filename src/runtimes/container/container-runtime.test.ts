import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from '../../../test/harness/podman.js';
import { unusedPort } from '../../../test/helpers/ports.js';
import type { DesiredUnit, ObservedUnit, ResolvedWorkload } from '../../desired/types.js';
import { errorMessage } from '../../errors.js';
import { ephemeralSealer } from '../../secrets/index.js';
import { adapterContract, sandboxHarness, contractUnit, type ContractUnitOverrides, type ContractWorkloadOptions } from '../adapter-contract.js';
import { InstanceNotReadyError } from '../kit/errors.js';
import { freePort } from '../kit/ports.js';
import type { LogLine, RuntimeContext } from '../types.js';
import { openContainerRuntime, type ContainerRuntime, type ContainerRuntimeDeps, type ContainerRuntimeSettings } from './container-runtime.js';
import { createOptions, instanceLabels } from './container-spec.js';
import { LABEL } from './labels.js';
import { ContainerTarget } from './settings.js';

/** Its own per test process, so that two runs on one machine never touch each other's containers. */
const TARGET = `ctr-test-${process.pid}`;

let podman: PodmanService;
beforeAll(async () => {
  podman = await startPodman();
  await ensureTestImage(podman.docker);
});
afterAll(async () => {
  await removeTargetContainers(podman.docker, TARGET);
  await podman.stop();
});

/** busybox httpd on $PORT serving the version at `/` and `/healthz`; with `ticks`, a loop beside it printing `tick <n>`. */
function workload(version: string, patch: Partial<ResolvedWorkload> = {}, { ticks }: ContractWorkloadOptions = { ticks: false }): ResolvedWorkload {
  const tick = ticks ? '(n=0; while :; do n=$((n + 1)); echo "tick $n"; sleep 0.3; done) & ' : '';
  return {
    command: `image:${TEST_IMAGE}`,
    args: ['sh', '-c', `echo "$FIXTURE_VERSION" > /www/index.html && echo ok > /www/healthz && ${tick}exec httpd -f -p "$PORT" -h /www`],
    workingDir: '/',
    env: { FIXTURE_VERSION: version },
    ports: { http: 'auto' },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
    ...patch,
  };
}

/** A state directory and the runtimes opened on it; `done()` closes them and removes the target's containers. */
class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-container-'));
  readonly runtimes: ContainerRuntime[] = [];

  async open(settings: Partial<ContainerRuntimeSettings> = {}, deps: ContainerRuntimeDeps = {}, ctx: Pick<RuntimeContext, 'registryLogin'> = {}): Promise<ContainerRuntime> {
    const parsed = ContainerTarget.parse({ runtime: 'container', socket: podman.socketPath, network: 'slirp4netns', readyTimeoutSeconds: 10, ...settings });
    const runtime = await openContainerRuntime(parsed, { target: TARGET, stateDir: join(this.dir, 'state'), sealer: ephemeralSealer(), ...ctx }, deps);
    this.runtimes.push(runtime);
    return runtime;
  }

  unit(overrides: ContractUnitOverrides = {}, patch: Partial<ResolvedWorkload> = {}): DesiredUnit {
    return contractUnit(TARGET, (version, options) => workload(version, patch, options), overrides);
  }

  async done(): Promise<void> {
    for (const runtime of this.runtimes.splice(0)) await runtime.close();
    await removeTargetContainers(podman.docker, TARGET);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function text(port: number): Promise<string> {
  return (await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function only(units: ObservedUnit[]): ObservedUnit {
  expect(units).toHaveLength(1);
  return units[0]!;
}

adapterContract(
  'container',
  sandboxHarness(() => new Sandbox(), {
    killInstance: async (instance) => void process.kill(instance.pid!, 'SIGKILL'),
    // The engine's API service stops; the containers run on under conmon.
    disconnect: () => podman.pause(),
    reconnect: () => podman.resume(),
  }),
);

describe('container runtime', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.done();
  });

  it('labels, env, 127.0.0.1 ports and resource limits are on the container; the service answers', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open({ resources: { memoryMiB: 64, cpus: 0.5 } });
    const unit = sandbox.unit({ version: '7' });
    await runtime.apply(unit);
    const [instance] = only(await runtime.observe()).instances;
    expect(await text(instance!.ports.http!)).toBe('7');
    const [info] = await podman.docker.listContainers({ filters: { label: [`${LABEL.target}=${TARGET}`] } });
    const details = await podman.docker.getContainer(info!.Id).inspect();
    expect(details.Config.Labels).toMatchObject({
      [LABEL.service]: 'api',
      [LABEL.environment]: 'dev',
      [LABEL.releaseId]: 'rel-api-7',
      [LABEL.configHash]: 'hash-api-7',
      [LABEL.replica]: '0',
    });
    expect(details.Config.Env).toEqual(expect.arrayContaining(['FIXTURE_VERSION=7', `PORT=${instance!.ports.http}`, 'SLIPWAY_INSTANCE=dev.api.0']));
    expect(details.HostConfig.PortBindings).toEqual({ [`${instance!.ports.http}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(instance!.ports.http) }] });
    expect(details.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(details.HostConfig.NanoCpus).toBe(5e8);
    expect(details.HostConfig.RestartPolicy?.Name).toBe('always');
  });

  it('a container removed by hand is reported missing, and the next apply creates it again', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    const unit = sandbox.unit();
    await runtime.apply(unit);
    const [before] = only(await runtime.observe()).instances;
    const [info] = await podman.docker.listContainers({ filters: { label: [`${LABEL.target}=${TARGET}`] } });
    const rm = spawnSync('podman', ['rm', '-f', info!.Id], { encoding: 'utf8' });
    expect(rm.status, rm.stderr).toBe(0);
    expect(only(await runtime.observe())).toMatchObject({ health: 'missing', instances: [] });
    await runtime.apply(unit);
    const after = only(await runtime.observe());
    expect(after).toMatchObject({ health: 'healthy', release: unit.release });
    expect(after.instances[0]!.pid).not.toBe(before!.pid);
    expect(await text(after.instances[0]!.ports.http!)).toBe('1');
  });

  it('a crashed container is restarted by the engine, and observe counts the restart', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit());
    const [before] = only(await runtime.observe()).instances;
    process.kill(before!.pid!, 'SIGKILL');
    const after = await waitFor('a restarted, ready container', async () => {
      const [i] = only(await runtime.observe()).instances;
      return i?.state === 'ready' && i.pid !== before!.pid && i;
    });
    expect(after.restarts).toBe(1);
    expect(await text(after.ports.http!)).toBe('1');
  });

  it('observe needs no local state: a runtime on an empty state directory finds the running containers', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit({ replicas: 2 }));
    const before = await first.observe();
    const stranger = new Sandbox();
    try {
      const second = await stranger.open();
      expect(await second.observe()).toEqual(before.map((u) => ({ ...u, instances: u.instances.map((i) => ({ ...i, startedAt: expect.any(Date) })) })));
      await second.close();
    } finally {
      rmSync(stranger.dir, { recursive: true, force: true });
    }
  });

  it('a fixed host port is stopped before its successor starts, and the update still lands', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    const port = unusedPort();
    await runtime.apply(sandbox.unit({ version: '1' }, { ports: { http: port } }));
    expect(await text(port)).toBe('1');
    await runtime.apply(sandbox.unit({ version: '2' }, { ports: { http: port } }));
    expect(await text(port)).toBe('2');
    expect(only(await runtime.observe())).toMatchObject({ health: 'healthy', release: { version: '2' } });
  });

  it('a release that never gets ready fails the apply, and the old release keeps serving', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open({ readyTimeoutSeconds: 3 });
    await runtime.apply(sandbox.unit({ version: '1' }));
    const broken = sandbox.unit({ version: '2' }, { args: ['sh', '-c', 'echo broken >&2; exit 3'] });
    const failure = await runtime.apply(broken).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InstanceNotReadyError);
    expect((failure as InstanceNotReadyError).logTail).toContain('broken');
    const observed = only(await runtime.observe());
    expect(observed.instances.map((i) => [i.state, i.replica])).toEqual([['ready', 0]]);
    expect(await text(observed.instances[0]!.ports.http!)).toBe('1');
  });

  it('a probe no client can send fails the apply at once; a container left with one is reported unhealthy with the reason, and removed', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open({ readyTimeoutSeconds: 20 });
    const probe = { httpGet: { path: '/ready z', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };
    const unit = sandbox.unit({ version: '1' }, { readinessProbe: probe });
    const failure = await runtime.apply(unit).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InstanceNotReadyError);
    expect((failure as Error).message).toMatch(/replica 0 of release 1 cannot be probed: probe GET "\/ready z" on port \d+ cannot be sent/);
    // As a version that did not check probe paths would have left it: running, with the path in its labels.
    const labels = instanceLabels(unit, 0, 0, { http: await freePort() });
    const settings = ContainerTarget.parse({ runtime: 'container', network: 'slirp4netns' });
    await (await podman.docker.createContainer(createOptions(unit, labels, settings))).start();
    const observed = only(await runtime.observe());
    expect(observed.health).toBe('degraded');
    expect(observed.instances).toEqual([expect.objectContaining({ state: 'unhealthy', message: expect.stringMatching(/^probe GET "\/ready z" on port \d+ cannot be sent/) })]);
    await runtime.remove(unit);
    expect(await runtime.observe()).toEqual([]);
  });

  it('an image by tag that is not on the engine fails the apply, naming it, and nothing is pulled', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    const unit = sandbox.unit({}, { command: 'image:localhost/slipway-absent:1' });
    await expect(runtime.apply(unit)).rejects.toThrow(/image localhost\/slipway-absent:1 is not on the container engine .* pulls only images pinned by digest/);
    expect(await runtime.observe()).toEqual([]);
  });

  it('an image pinned by digest that cannot be pulled fails the apply, naming it and its registry, never the password', async () => {
    sandbox = new Sandbox();
    const registry = `127.0.0.1:${unusedPort()}`;
    const image = `${registry}/slipway/absent@sha256:${'0'.repeat(64)}`;
    const password = 'pull-password-5d1e';
    const asked: string[] = [];
    const unit = sandbox.unit({}, { command: `image:${image}` });
    const failure = async (registryLogin?: RuntimeContext['registryLogin']) =>
      errorMessage(await (await sandbox.open({}, {}, { ...(registryLogin && { registryLogin }) })).apply(unit).then(() => undefined, (error: unknown) => error));
    const pulling = `pulling image ${image} from registry ${registry} onto the container engine of target ${TARGET} failed`;
    expect(await failure()).toContain(`${pulling} (without a login`);
    const withLogin = await failure(async (host) => {
      asked.push(host);
      return { username: 'deployer', password };
    });
    expect(withLogin).toContain(`${pulling} (as deployer)`);
    expect(withLogin).not.toContain(password);
    expect(asked).toEqual([registry]);
    expect(await failure(() => Promise.reject(new Error(`registry ${registry} password refers to secret "p", which is not set`)))).toContain(
      `cannot pull image ${image}: the login for its registry cannot be read: registry ${registry} password refers to secret "p"`,
    );
    expect(await sandbox.runtimes[0]!.observe()).toEqual([]);
  });
});

describe('container logs', () => {
  let sandbox: Sandbox;
  /** Follows still running when a test ends (it failed): aborted before the containers go. */
  const following: AbortController[] = [];
  afterEach(async () => {
    for (const abort of following.splice(0)) abort.abort();
    await sandbox.done();
  });

  /** Says `start <version>`, five lines on stdout, then one on stderr, then serves as {@link workload} does. */
  const CHATTY = [
    'sh',
    '-c',
    'echo "start $FIXTURE_VERSION"; for i in 1 2 3 4 5; do echo "out $i"; done; sleep 0.1; echo "err 1" >&2; echo ok > /www/healthz && exec httpd -f -p "$PORT" -h /www',
  ];

  /** Reads `lines` in the background into `read`; `ended` settles when the iteration ends. */
  function collect(lines: AsyncIterable<LogLine>): { read: LogLine[]; ended: Promise<void> } {
    const read: LogLine[] = [];
    const ended = (async () => {
      for await (const line of lines) read.push(line);
    })();
    ended.catch(() => undefined); // a test that does not get to await it has failed already
    return { read, ended };
  }

  /** Follows the unit's logs from the last `tail` lines, in the background, until `abort`. */
  function follow(runtime: ContainerRuntime, unit: DesiredUnit, tail: number): ReturnType<typeof collect> & { abort: AbortController } {
    const abort = new AbortController();
    following.push(abort);
    return { abort, ...collect(runtime.logs(unit, { tail, follow: true, signal: abort.signal })) };
  }

  /** Runs `script` in the unit's container of `replica`, writing to the container's own stdout and stderr (those of PID 1). */
  function say(replica: number, script: string): void {
    const name = spawnSync('podman', ['ps', '-q', '--filter', `label=${LABEL.target}=${TARGET}`, '--filter', `label=${LABEL.replica}=${replica}`], { encoding: 'utf8' }).stdout.trim();
    const exec = spawnSync('podman', ['exec', name, 'sh', '-c', `exec >/proc/1/fd/1 2>/proc/1/fd/2; ${script}`], { encoding: 'utf8' });
    expect(exec.status, exec.stderr).toBe(0);
  }

  it('gives the last lines of each instance with their streams, in replica order, and ends', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    const unit = sandbox.unit({ replicas: 2 }, { args: CHATTY });
    await runtime.apply(unit);
    const logs = collect(runtime.logs(unit, { tail: 3 }));
    await logs.ended;
    expect(logs.read).toEqual(
      ['dev.api.0', 'dev.api.1'].flatMap((instance) => [
        { instance, stream: 'stdout', line: 'out 4' },
        { instance, stream: 'stdout', line: 'out 5' },
        { instance, stream: 'stderr', line: 'err 1' },
      ]),
    );
    const none = collect(runtime.logs({ ...unit, service: 'absent' }));
    await none.ended;
    expect(none.read).toEqual([]);
  });

  it('follows new lines, reassembles a line written in two pieces, and closes its connections promptly when aborted', async () => {
    sandbox = new Sandbox();
    // The client's sockets, to see that none is left in use (docker-modem takes `agent`; @types/dockerode does not list it).
    const agent = new Agent({ keepAlive: true });
    const clientOptions = { socketPath: podman.socketPath, agent };
    const runtime = await sandbox.open({}, { docker: new Dockerode(clientOptions) });
    const unit = sandbox.unit({}, { args: CHATTY });
    await runtime.apply(unit);
    const logs = follow(runtime, unit, 1);
    await waitFor('the tail', async () => logs.read.length > 0);
    say(0, 'echo late; printf hel; sleep 0.3; printf "lo\\n"; sleep 0.1; echo oops >&2');
    await waitFor('the new lines', async () => logs.read.length >= 4);
    expect(logs.read).toEqual([
      { instance: 'dev.api.0', stream: 'stderr', line: 'err 1' },
      { instance: 'dev.api.0', stream: 'stdout', line: 'late' },
      { instance: 'dev.api.0', stream: 'stdout', line: 'hello' },
      { instance: 'dev.api.0', stream: 'stderr', line: 'oops' },
    ]);
    const inUse = () => Object.values(agent.sockets).flat().length;
    expect(inUse()).toBeGreaterThan(0);
    logs.abort.abort();
    await logs.ended; // a follow that ignored its signal would never end (how soon it ends is not a test's to time)
    await waitFor('no socket in use', async () => inUse() === 0);
    agent.destroy();
  });

  it('following carries on across a restart of the container and into the containers of an update, without repeating a line', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ version: '1' }, { args: CHATTY }));
    const logs = follow(runtime, sandbox.unit(), 1);
    const lines = () => logs.read.map((l) => `${l.instance} ${l.stream} ${l.line}`);
    await waitFor('the tail', async () => logs.read.length > 0);
    // Podman 4.3 times entries to the second: a read resumed in the second its tail was cut in would repeat entries. The restart comes a second later.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [before] = only(await runtime.observe()).instances;
    process.kill(before!.pid!, 'SIGKILL');
    await waitFor('the restarted container saying err 1', async () => lines().filter((l) => l === 'dev.api.0 stderr err 1').length === 2).catch((error: Error) => {
      throw new Error(`${error.message}; read so far: ${JSON.stringify(lines())}`);
    });
    // Podman ends a followed read a moment after the restart (at times without the last lines): a line written later needs a new read.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    say(0, 'echo still here');
    await waitFor('the line written after the restart', async () => lines().includes('dev.api.0 stdout still here'));
    await runtime.apply(sandbox.unit({ version: '2' }, { args: CHATTY }));
    // Its last line (err 1, after out 1…5): aborting at "start 2" could cut off the lines after it.
    await waitFor('the new container saying start 2 and then err 1', async () => lines().filter((l) => l === 'dev.api.0 stderr err 1').length === 3).catch((error: Error) => {
      throw new Error(`${error.message}; read so far: ${JSON.stringify(lines())}`);
    });
    logs.abort.abort();
    await logs.ended;
    const run = (version: string) => [`start ${version}`, 'out 1', 'out 2', 'out 3', 'out 4', 'out 5'].map((line) => `dev.api.0 stdout ${line}`);
    const err = 'dev.api.0 stderr err 1';
    expect(lines().slice(0, 15)).toEqual([err, ...run('1'), err, 'dev.api.0 stdout still here', ...run('2')]);
  });
});
