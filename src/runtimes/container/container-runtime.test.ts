import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from '../../../test/harness/podman.js';
import type { DesiredUnit, ObservedUnit, ResolvedWorkload } from '../../desired/types.js';
import { adapterContract, sandboxHarness, contractUnit, type ContractUnitOverrides } from '../adapter-contract.js';
import { InstanceNotReadyError } from '../process/process-runtime.js';
import { openContainerRuntime, type ContainerRuntime, type ContainerRuntimeSettings } from './container-runtime.js';
import { LABEL } from './labels.js';
import { ContainerTarget } from './settings.js';

const TARGET = 'ctr-test';

let podman: PodmanService;
beforeAll(async () => {
  podman = await startPodman();
  await ensureTestImage(podman.docker);
});
afterAll(async () => {
  await removeTargetContainers(podman.docker, TARGET);
  await podman.stop();
});

/** busybox httpd on $PORT serving the version at `/` and `/healthz`. */
function workload(version: string, patch: Partial<ResolvedWorkload> = {}): ResolvedWorkload {
  return {
    command: `image:${TEST_IMAGE}`,
    args: ['sh', '-c', 'echo "$FIXTURE_VERSION" > /www/index.html && echo ok > /www/healthz && exec httpd -f -p "$PORT" -h /www'],
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

  async open(settings: Partial<ContainerRuntimeSettings> = {}): Promise<ContainerRuntime> {
    const parsed = ContainerTarget.parse({ runtime: 'container', socket: podman.socketPath, network: 'slirp4netns', readyTimeoutSeconds: 10, ...settings });
    const runtime = await openContainerRuntime(parsed, { target: TARGET, stateDir: join(this.dir, 'state') });
    this.runtimes.push(runtime);
    return runtime;
  }

  unit(overrides: ContractUnitOverrides = {}, patch: Partial<ResolvedWorkload> = {}): DesiredUnit {
    return contractUnit(TARGET, (version) => workload(version, patch), overrides);
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

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
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

adapterContract('container', sandboxHarness(() => new Sandbox()));

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
    const port = 20_000 + Math.floor(Math.random() * 20_000);
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

  it('an image that is not on the engine fails the apply, naming it, and nothing is pulled', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    const unit = sandbox.unit({}, { command: 'image:localhost/slipway-absent:1' });
    await expect(runtime.apply(unit)).rejects.toThrow(/image localhost\/slipway-absent:1 is not on the container engine .* never pulls/);
    expect(await runtime.observe()).toEqual([]);
  });
});
