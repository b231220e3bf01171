/**
 * Score workloads as the specification writes them, on real Podman: the image's entrypoint,
 * targetPort, sidecars on one network, files, volumes, UDP, exec probes and probe headers,
 * limits and requests, containers ordered by `before` (steps that run to completion first). Images are built here from local files (`test/harness/podman.ts`).
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureScoreTestImage, removeTargetContainers, startPodman, SCORE_TEST_IMAGE, TEST_IMAGE, type PodmanService } from '../../../test/harness/podman.js';
import { until } from '../../../test/helpers/until.js';
import type { DesiredUnit, ResolvedWorkload } from '../../desired/types.js';
import { ephemeralSealer } from '../../secrets/index.js';
import { InstanceNotReadyError } from '../kit/errors.js';
import { httpProbe } from '../kit/probe.js';
import { openContainerRuntime, type ContainerRuntime, type ContainerRuntimeDeps } from './container-runtime.js';
import { LABEL } from './labels.js';
import { ContainerTarget } from './settings.js';
import type { RuntimeContext, RuntimeEvent } from '../types.js';

/** Its own per test process, so that two runs on one machine never touch each other's containers. */
const TARGET = `score-test-${process.pid}`;
const READY = { initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };
/** An exec probe starts a process in the container, which takes the engine a while on a loaded machine. */
const EXEC_READY = { ...READY, timeoutSeconds: 10 };

let podman: PodmanService;
beforeAll(async () => {
  podman = await startPodman();
  await ensureScoreTestImage(podman.docker);
});
afterAll(async () => {
  await removeTargetContainers(podman.docker, TARGET);
  await podman.stop();
});

let dir: string;
const dirs: string[] = [];
const runtimes: ContainerRuntime[] = [];
const volumes: string[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  await removeTargetContainers(podman.docker, TARGET);
  for (const name of volumes.splice(0)) await podman.docker.getVolume(name).remove({ force: true }).catch(() => undefined);
  for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
});

async function open(settings: { readyTimeoutSeconds?: number } = {}, deps: ContainerRuntimeDeps = {}, onEvent?: RuntimeContext['onEvent']): Promise<ContainerRuntime> {
  dir = mkdtempSync(join(tmpdir(), 'slipway-score-ctr-'));
  dirs.push(dir);
  const parsed = ContainerTarget.parse({ runtime: 'container', socket: podman.socketPath, network: 'slirp4netns', readyTimeoutSeconds: 15, ...settings });
  const runtime = await openContainerRuntime(parsed, { target: TARGET, stateDir: join(dir, 'state'), sealer: ephemeralSealer(), ...(onEvent && { onEvent }) }, deps);
  runtimes.push(runtime);
  return runtime;
}

function unit(workload: Partial<ResolvedWorkload>, version = '1'): DesiredUnit {
  return {
    service: 'web',
    environment: 'dev',
    target: TARGET,
    release: { id: `rel-${version}`, version, artifactDigest: null },
    workload: { args: [], env: {}, ports: {}, workingDir: '/', image: TEST_IMAGE, ...workload },
    replicas: 1,
    configHash: `hash-${version}-${JSON.stringify(workload).length}`,
  };
}

/** The replica's host port of `name`. */
async function hostPort(runtime: ContainerRuntime, name: string): Promise<number> {
  const [observed] = await runtime.observe();
  return observed!.instances[0]!.ports[name]!;
}

async function get(port: number): Promise<string> {
  return (await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim();
}

/** Runs `command` in the container of the replica named `sidecar` (the first one without); its output. */
function exec(command: string[], sidecar?: string): { status: number | null; stdout: string } {
  const filters = ['--filter', `label=${LABEL.target}=${TARGET}`, ...(sidecar ? ['--filter', `label=${LABEL.sidecar}=${sidecar}`] : [])];
  const ids = spawnSync('podman', ['ps', '-q', ...filters], { encoding: 'utf8' }).stdout.trim().split('\n');
  const id = sidecar ? ids[0] : ids.find((candidate) => !spawnSync('podman', ['inspect', '-f', `{{index .Config.Labels "${LABEL.sidecar}"}}`, candidate], { encoding: 'utf8' }).stdout.trim());
  const run = spawnSync('podman', ['exec', id!, ...command], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout.trim() };
}

async function inspectFirst() {
  const [info] = (await podman.docker.listContainers({ filters: { label: [`${LABEL.target}=${TARGET}`] } })).filter((c) => c.Labels[LABEL.sidecar] === undefined);
  return podman.docker.getContainer(info!.Id).inspect();
}

describe('Score workloads on the container runtime', () => {
  it("without a command runs the image's entrypoint, published from its targetPort", async () => {
    const runtime = await open();
    await runtime.apply(unit({ image: SCORE_TEST_IMAGE, ports: { web: 'auto' }, portDetails: { web: { targetPort: 80 } }, readinessProbe: { httpGet: { path: '/healthz', port: 'web' }, ...READY } }));
    const port = await hostPort(runtime, 'web');
    expect(await get(port)).toBe('from-entrypoint');
    const details = await inspectFirst();
    expect(details.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    expect(details.Config.Env).toEqual(expect.arrayContaining(['PORT=80', 'PORT_WEB=80']));
  });

  it('a command replaces the entrypoint, and args follow it', async () => {
    const runtime = await open();
    const script = 'echo replaced > /www/index.html && exec httpd -f -p 80 -h /www';
    await runtime.apply(unit({ image: SCORE_TEST_IMAGE, command: 'sh', args: ['-c', script], ports: { web: 'auto' }, portDetails: { web: { targetPort: 80 } } }));
    await until('the replaced command answering', async () => ((await get(await hostPort(runtime, 'web'))) === 'replaced' ? true : undefined), 15_000);
  });

  it('a sidecar shares the network: the containers reach each other on localhost; an exec probe runs in the sidecar; remove takes both', async () => {
    const runtime = await open();
    const main = 'echo main > /www/index.html && exec httpd -f -p "$PORT" -h /www';
    await runtime.apply(
      unit({
        command: 'sh',
        args: ['-c', main],
        ports: { http: 'auto' },
        readinessProbe: { httpGet: { path: '/', port: 'http' }, ...READY },
        sidecars: {
          helper: {
            image: TEST_IMAGE,
            command: 'sh',
            args: ['-c', 'mkdir -p /site && echo helper > /site/index.html && exec httpd -f -p 9000 -h /site'],
            env: {},
            readinessProbe: { exec: { command: ['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9000/'] }, ...EXEC_READY },
          },
        },
      }),
    );
    const port = await hostPort(runtime, 'http');
    expect(exec(['wget', '-q', '-O', '-', 'http://127.0.0.1:9000/']).stdout).toBe('helper');
    expect(exec(['wget', '-q', '-O', '-', `http://127.0.0.1:${port}/`], 'helper').stdout).toBe('main');
    const [observed] = await runtime.observe();
    expect(observed).toMatchObject({ health: 'healthy', instances: [{ id: 'dev.web.0', state: 'ready' }] });
    await runtime.remove(unit({}));
    expect(await podman.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${TARGET}`] } })).toEqual([]);
  });

  it('a sidecar removed by hand makes the replica unhealthy, and the next apply replaces the replica', async () => {
    const runtime = await open();
    const desired = unit({ command: 'sh', args: ['-c', 'exec httpd -f -p "$PORT" -h /www'], ports: { http: 'auto' }, sidecars: { idle: { image: TEST_IMAGE, command: 'sleep', args: ['1000'], env: {} } } });
    await runtime.apply(desired);
    const [sidecar] = await podman.docker.listContainers({ filters: { label: [`${LABEL.sidecar}=idle`] } });
    await podman.docker.getContainer(sidecar!.Id).remove({ force: true });
    const [observed] = await runtime.observe();
    expect(observed!.instances[0]).toMatchObject({ state: 'unhealthy', message: expect.stringContaining(`container slipway.${TARGET}.dev.web.0.0.idle is missing`) });
    await runtime.apply(desired);
    expect((await runtime.observe())[0]).toMatchObject({ health: 'healthy' });
  });

  it('after the engine restarts a crashed first container, its sidecars are seen cut off, and the next apply joins them again', async () => {
    const runtime = await open();
    const desired = unit({
      command: 'sh',
      args: ['-c', 'echo main > /www/index.html && exec httpd -f -p "$PORT" -h /www'],
      ports: { http: 'auto' },
      sidecars: { idle: { image: TEST_IMAGE, command: 'sleep', args: ['1000'], env: {} } },
    });
    await runtime.apply(desired);
    const port = await hostPort(runtime, 'http');
    const [before] = (await runtime.observe())[0]!.instances;
    process.kill(before!.pid!, 'SIGKILL');
    const cut = await until('the sidecar seen cut off', async () => {
      const [instance] = (await runtime.observe())[0]!.instances;
      return instance?.pid !== before!.pid && instance?.message?.includes('cut off') ? instance : undefined;
    }, 30_000);
    expect(cut).toMatchObject({ state: 'unhealthy' });
    expect(exec(['wget', '-q', '-T', '2', '-O', '-', `http://127.0.0.1:${port}/`], 'idle').status).not.toBe(0);
    await runtime.apply(desired);
    expect((await runtime.observe())[0]).toMatchObject({ health: 'healthy' });
    expect(exec(['wget', '-q', '-O', '-', `http://127.0.0.1:${port}/`], 'idle').stdout).toBe('main');
  });

  it('files appear read-only at their targets with their modes; their host copies are private and go with the container', async () => {
    const runtime = await open();
    await runtime.apply(
      unit({
        command: 'sleep',
        args: ['1000'],
        files: [
          { target: '/etc/app/app.conf', mode: '0640', content: 'name=web cost=$5\n', noExpand: true },
          { target: '/etc/app/blob', binaryContent: Buffer.from([0, 1, 2, 255]).toString('base64') },
        ],
      }),
    );
    expect(exec(['cat', '/etc/app/app.conf']).stdout).toBe('name=web cost=$5');
    expect(exec(['ls', '-ln', '/etc/app/app.conf']).stdout).toMatch(/^-rw-r-----/);
    expect(exec(['sh', '-c', 'echo x > /etc/app/app.conf']).status).not.toBe(0);
    expect(exec(['ls', '-ln', '/etc/app/blob']).stdout).toMatch(/^-rw-r--r--\s+\d+\s+\d+\s+\d+\s+4 /);
    const filesDir = join(dir, 'state', 'files', `slipway.${TARGET}.dev.web.0.0`);
    expect(statSync(filesDir).mode & 0o777).toBe(0o700);
    await runtime.remove(unit({}));
    expect(existsSync(filesDir)).toBe(false);
  });

  it('a volume keeps its content across a redeploy; a read-only one cannot be written', async () => {
    const runtime = await open();
    const name = `slipway-test-${process.pid}-${Date.now()}`;
    volumes.push(name);
    const mounts = { volumes: [{ target: '/data', source: name }, { target: '/ro', source: name, readOnly: true }] };
    await runtime.apply(unit({ command: 'sleep', args: ['1000'], ...mounts }, '1'));
    expect(exec(['sh', '-c', 'echo kept > /data/note']).status).toBe(0);
    expect(exec(['sh', '-c', 'echo no > /ro/other']).status).not.toBe(0);
    await runtime.apply(unit({ command: 'sleep', args: ['1001'], ...mounts }, '2'));
    expect((await runtime.observe())[0]).toMatchObject({ release: { version: '2' }, health: 'healthy' });
    expect(exec(['cat', '/data/note']).stdout).toBe('kept');
  });

  it('a UDP port is published as UDP and answers', async () => {
    const runtime = await open();
    await runtime.apply(unit({ image: SCORE_TEST_IMAGE, command: '/bin/udp-echo', args: ['5353'], ports: { dns: 'auto' }, portDetails: { dns: { targetPort: 5353, protocol: 'UDP' } } }));
    const port = await hostPort(runtime, 'dns');
    expect((await inspectFirst()).HostConfig.PortBindings).toEqual({ '5353/udp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    const socket = createSocket('udp4');
    try {
      const answer = new Promise<string>((resolve) => socket.once('message', (message) => resolve(message.toString())));
      let answered: string | undefined;
      void answer.then((text) => (answered = text));
      await until('an answer over UDP', async () => {
        socket.send('ping', port, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 200));
        return answered;
      }, 15_000);
      expect(answered).toBe('echo ping');
    } finally {
      socket.close();
    }
  });

  it('an exec readiness probe gates readiness: passing once its file exists, failing the apply when it never does', async () => {
    const runtime = await open({ readyTimeoutSeconds: 4 });
    const probe = { exec: { command: ['cat', '/tmp/ready'] }, ...EXEC_READY };
    await runtime.apply(unit({ command: 'sh', args: ['-c', 'sleep 1; echo yes > /tmp/ready; exec sleep 1000'], readinessProbe: probe }, '1'));
    expect((await runtime.observe())[0]).toMatchObject({ health: 'healthy' });
    const failure = await runtime.apply(unit({ command: 'sleep', args: ['1000'], readinessProbe: probe }, '2')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InstanceNotReadyError);
    expect((await runtime.observe())[0]).toMatchObject({ release: { version: '1' }, health: 'healthy' });
  });

  it('a probe sends its headers, and passes only with them', async () => {
    const seen: (readonly { name: string; value: string }[])[] = [];
    const runtime = await open({ readyTimeoutSeconds: 4 }, {
      probe: (port, path, timeoutMs, headers = []) => {
        seen.push(headers);
        return headers.some((h) => h.name === 'X-Probe' && h.value === 'yes') ? httpProbe(port, path, timeoutMs, headers) : Promise.resolve(false);
      },
    });
    const serve = { command: 'sh', args: ['-c', 'echo ok > /www/index.html && exec httpd -f -p "$PORT" -h /www'], ports: { http: 'auto' as const } };
    await runtime.apply(unit({ ...serve, readinessProbe: { httpGet: { path: '/', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, ...READY } }, '1'));
    expect(seen.at(-1)).toEqual([{ name: 'X-Probe', value: 'yes' }]);
    await expect(runtime.apply(unit({ ...serve, readinessProbe: { httpGet: { path: '/', port: 'http' }, ...READY } }, '2'))).rejects.toBeInstanceOf(InstanceNotReadyError);
  });

  describe('liveness probes', () => {
    /** Passes while /tmp/state says alive: the command writes it on every start, the test writes `dead`. */
    const alive = { command: 'sh', args: ['-c', 'echo alive > /tmp/state && exec sleep 1000'], env: {} };
    const stillAlive = { exec: { command: ['sh', '-c', 'read state < /tmp/state && [ "$state" = alive ]'] }, ...EXEC_READY, periodSeconds: 0.5, failureThreshold: 2 };

    /** When each container of the target (by sidecar name, '' for the first) last started. */
    async function startedAt(): Promise<Map<string, string>> {
      const listed = await podman.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${TARGET}`] } });
      const inspected = await Promise.all(listed.map((c) => podman.docker.getContainer(c.Id).inspect()));
      return new Map(inspected.map((c) => [c.Config.Labels[LABEL.sidecar] ?? '', c.State.StartedAt]));
    }

    it('a container failing its exec probe is restarted, counted and told; a sidecar failing its own is restarted alone', async () => {
      const events: RuntimeEvent[] = [];
      const runtime = await open({}, {}, (event) => events.push(event));
      await runtime.apply(unit({ ...alive, livenessProbe: stillAlive, sidecars: { helper: { image: TEST_IMAGE, ...alive, livenessProbe: stillAlive } } }));
      const before = await startedAt();
      expect(runtime.livenessProbed()).toHaveLength(2);

      exec(['sh', '-c', 'echo dead > /tmp/state'], 'helper');
      const told = await until('the sidecar restarted and told', async () => events.find((e) => e.message.includes('container helper of replica 0')), 60_000);
      expect(told).toMatchObject({ type: 'instance-restarted', instance: 'dev.web.0', key: { service: 'web', environment: 'dev', target: TARGET } });
      expect(told.message).toMatch(/^web in dev: container helper of replica 0 failed its liveness probe 2 times \(exec sh -c .*: no exit status 0 within 10 s\); restarted$/);
      const afterSidecar = await startedAt();
      expect(afterSidecar.get('helper')).not.toBe(before.get('helper'));
      expect(afterSidecar.get('')).toBe(before.get(''));

      exec(['sh', '-c', 'echo dead > /tmp/state']);
      await until('the first container restarted and told', async () => events.find((e) => e.message.startsWith('web in dev: replica 0 failed its liveness probe 2 times')), 60_000);
      const restarted = await until('the replica healthy again, its restarts counted', async () => {
        const [observed] = await runtime.observe();
        return observed?.health === 'healthy' && observed.instances[0]!.restarts >= 2 ? observed : undefined;
      }, 60_000);
      expect(restarted.instances[0]!.message).toBeUndefined();
      expect((await startedAt()).get('')).not.toBe(before.get(''));
      // Each container is the one it was: restarted, never replaced; and probed by one loop each.
      expect(runtime.livenessProbed()).toHaveLength(2);
    });

    it('a passing container is probed and left alone; close() ends its probes, and the next runtime opened takes them up', async () => {
      const sent: { runtime: number; headers: readonly { name: string; value: string }[]; passed: boolean }[] = [];
      const counting = (runtime: number): ContainerRuntimeDeps => ({
        probe: async (port, path, timeoutMs, headers = []) => {
          const passed = await httpProbe(port, path, timeoutMs, headers);
          if (path === '/livez') sent.push({ runtime, headers, passed });
          return passed;
        },
      });
      const events: RuntimeEvent[] = [];
      const first = await open({}, counting(1), (event) => events.push(event));
      const serve = { command: 'sh', args: ['-c', 'echo ok > /www/livez && exec httpd -f -p "$PORT" -h /www'], ports: { http: 'auto' as const } };
      const livenessProbe = { httpGet: { path: '/livez', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'live' }] }, ...READY, periodSeconds: 0.2, failureThreshold: 1 };
      await first.apply(unit({ ...serve, livenessProbe }));
      const before = await startedAt();
      await until('several liveness probes', async () => (sent.filter((s) => s.runtime === 1).length >= 5 ? true : undefined), 30_000);
      await first.close();
      const byFirst = sent.filter((s) => s.runtime === 1).length;
      expect(first.livenessProbed()).toEqual([]);

      const second = await open({}, counting(2), (event) => events.push(event));
      await until('the next runtime probing', async () => (sent.filter((s) => s.runtime === 2).length >= 5 ? true : undefined), 30_000);
      await second.close();
      // Meanwhile, the closed runtime sent nothing more; every probe passed, with its header, and nothing was restarted.
      expect(sent.filter((s) => s.runtime === 1)).toHaveLength(byFirst);
      expect(sent.every((s) => s.passed && s.headers.some((h) => h.name === 'X-Probe' && h.value === 'live'))).toBe(true);
      expect(events).toEqual([]);
      expect(await startedAt()).toEqual(before);
      expect((await inspectFirst()).RestartCount).toBe(0);
    });
  });

  describe('containers ordered by before', () => {
    /** A fresh engine volume, removed after the test. */
    function volume(): string {
      const name = `slipway-test-${process.pid}-${Date.now()}-${volumes.length}`;
      volumes.push(name);
      return name;
    }

    /** Every container of the target, inspected, by its sidecar name ('' for the first). */
    async function inspectAll() {
      const listed = await podman.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${TARGET}`] } });
      const inspected = await Promise.all(listed.map((c) => podman.docker.getContainer(c.Id).inspect()));
      return new Map(inspected.map((c) => [c.Config.Labels[LABEL.sidecar] ?? '', c]));
    }

    it('a step awaited as complete runs first, in a network of its own; the workload starts on what it wrote, and the finished step is no crash', async () => {
      const runtime = await open();
      const shared = { volumes: [{ target: '/shared', source: volume() }] };
      const desired = unit({
        container: 'web',
        command: 'sh',
        // Without the step's file the container exits at once, and never gets ready.
        args: ['-c', 'cp /shared/state /www/index.html && exec httpd -f -p "$PORT" -h /www'],
        ports: { http: 'auto' },
        readinessProbe: { httpGet: { path: '/', port: 'http' }, ...READY },
        ...shared,
        sidecars: { migrate: { image: TEST_IMAGE, command: 'sh', args: ['-c', 'echo migrated > /shared/state && echo migration done'], env: {}, ...shared, before: { web: { ready: 'complete' } } } },
      });
      await runtime.apply(desired);
      expect(await get(await hostPort(runtime, 'http'))).toBe('migrated');
      const containers = await inspectAll();
      const step = containers.get('migrate')!;
      expect([step.State.Status, step.State.ExitCode, step.HostConfig.RestartPolicy?.Name]).toEqual(['exited', 0, 'no']);
      expect(step.HostConfig.NetworkMode).not.toMatch(/^container:/);
      expect(Date.parse(containers.get('')!.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(step.State.FinishedAt));
      const [observed] = await runtime.observe();
      expect(observed).toMatchObject({ health: 'healthy', instances: [{ state: 'ready' }] });
      expect(observed!.instances[0]!.message).toBeUndefined();
      const lines = [];
      for await (const line of runtime.logs(desired)) lines.push(`${line.instance} ${line.line}`);
      expect(lines).toContain('dev.web.0/migrate migration done');
      // Applied again, the replica is left alone: the step does not run again.
      await runtime.apply(desired);
      expect((await inspectAll()).get('migrate')!.Id).toBe(step.Id);
      await runtime.remove(desired);
      expect(await podman.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${TARGET}`] } })).toEqual([]);
    });

    it('a step that exits with status 3 fails the apply, naming it, its status and its last lines; the previous release serves on', async () => {
      const runtime = await open();
      const serve = (text: string) => ({ command: 'sh', args: ['-c', `echo ${text} > /www/index.html && exec httpd -f -p "$PORT" -h /www`], ports: { http: 'auto' as const }, readinessProbe: { httpGet: { path: '/', port: 'http' }, ...READY } });
      await runtime.apply(unit(serve('one'), '1'));
      const port = await hostPort(runtime, 'http');
      const failing = unit({ ...serve('two'), container: 'web', sidecars: { migrate: { image: TEST_IMAGE, command: 'sh', args: ['-c', 'echo cannot migrate; exit 3'], env: {}, before: { web: { ready: 'complete' } } } } }, '2');
      const failure = await runtime.apply(failing).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InstanceNotReadyError);
      expect((failure as Error).message).toContain(`replica 0 of release 2 did not start: step migrate (slipway.${TARGET}.dev.web.0.1.migrate) exited with status 3`);
      expect((failure as Error).message).toContain('cannot migrate');
      expect((await runtime.observe())[0]).toMatchObject({ release: { version: '1' }, health: 'healthy' });
      expect(await get(port)).toBe('one');
      const left = await podman.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${TARGET}`] } });
      expect(left.map((c) => c.Labels[LABEL.generation])).toEqual(['0']);
    });

    it('a container awaited as started runs before those after it; a later step joins its network; observe sees no crash', async () => {
      const runtime = await open();
      const shared = { volumes: [{ target: '/shared', source: volume() }] };
      // As a Score file with `proxy.before.app: started` and `migrate.before.app: complete` converts: proxy, which keeps running, owns the network.
      const desired = unit({
        container: 'proxy',
        command: 'sh',
        args: ['-c', 'echo proxy > /www/index.html && exec httpd -f -p "$PORT" -h /www'],
        ports: { http: 'auto' },
        readinessProbe: { httpGet: { path: '/', port: 'http' }, ...READY },
        before: { app: { ready: 'started' }, migrate: { ready: 'healthy' } },
        sidecars: {
          migrate: { image: TEST_IMAGE, command: 'sh', args: ['-c', 'wget -q -O /shared/seen "http://127.0.0.1:$PORT/"'], env: {}, ...shared, before: { app: { ready: 'complete' } } },
          app: { image: TEST_IMAGE, command: 'sh', args: ['-c', 'test -s /shared/seen && exec sleep 1000'], env: {}, ...shared },
        },
      });
      await runtime.apply(desired);
      expect(exec(['cat', '/shared/seen'], 'app').stdout).toBe('proxy');
      const containers = await inspectAll();
      const [proxy, migrate, app] = [containers.get('')!, containers.get('migrate')!, containers.get('app')!];
      expect(migrate.HostConfig.NetworkMode).toBe(`container:${proxy.Id}`);
      expect(Date.parse(app.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(migrate.State.FinishedAt));
      expect(Date.parse(app.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(proxy.State.StartedAt));
      const [observed] = await runtime.observe();
      expect(observed).toMatchObject({ health: 'healthy', instances: [{ state: 'ready' }] });
      expect(observed!.instances[0]!.message).toBeUndefined();
    });
  });

  it("applies the container's limits and requests", async () => {
    const runtime = await open();
    await runtime.apply(unit({ command: 'sleep', args: ['1000'], limits: { memory: '128Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: '0.25' } }));
    const { HostConfig } = await inspectFirst();
    expect([HostConfig.Memory, HostConfig.NanoCpus, HostConfig.MemoryReservation, HostConfig.CpuShares]).toEqual([128 * 2 ** 20, 5e8, 64 * 2 ** 20, 256]);
  });
});
