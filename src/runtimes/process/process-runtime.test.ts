import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredUnit, ObservedInstance, ResolvedWorkload } from '../../desired/types.js';
import { ephemeralSealer, type Sealer } from '../../secrets/index.js';
import { adapterContract, sandboxHarness, contractUnit, type ContractUnitOverrides, type ContractWorkloadOptions } from '../adapter-contract.js';
import type { RuntimeEvent } from '../types.js';
import { InstanceNotReadyError } from '../kit/errors.js';
import { openProcessRuntime, type ProcessRuntime, type ProcessRuntimeSettings } from './process-runtime.js';
import { freePort } from '../kit/ports.js';
import { processStartTimeSync } from '../../proc-stat.js';
import type { SpawnFn } from './supervisor.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/http-service.mjs', import.meta.url));
const TARGET = 'local';

/** Every process the runtimes under test spawned, so that none outlives its test. */
const spawned: { pid: number; startTime: number | null }[] = [];
const trackingSpawn: SpawnFn = (command, args, options) => {
  const child = spawn(command, [...args], options);
  if (child.pid) spawned.push({ pid: child.pid, startTime: processStartTimeSync(child.pid) });
  return child;
};

/** Kills, by pid and only if it is still the same process, everything the tests started. */
function killSpawned(): void {
  for (const { pid, startTime } of spawned.splice(0)) {
    if (startTime !== null && processStartTimeSync(pid) === startTime) process.kill(-pid, 'SIGKILL');
  }
}

function alive(pid: number, startTime: number | null): boolean {
  return startTime !== null && processStartTimeSync(pid) === startTime;
}

const httpProbe = (path: string) => ({
  httpGet: { path, port: 'http' as const },
  initialDelaySeconds: 0,
  periodSeconds: 1,
  timeoutSeconds: 1,
  failureThreshold: 3,
});

function workload(dir: string, version: string, patch: Partial<ResolvedWorkload> = {}, { ticks }: ContractWorkloadOptions = { ticks: false }): ResolvedWorkload {
  return {
    command: process.execPath,
    args: [FIXTURE],
    workingDir: dir,
    env: { FIXTURE_VERSION: version, ...(ticks && { LOG_EVERY_MS: '200' }) },
    ports: { http: 'auto' },
    readinessProbe: httpProbe('/healthz'),
    ...patch,
  };
}

/** A temporary state directory with runtimes opened on it; `done()` removes units, closes, deletes. */
class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-process-'));
  readonly events: RuntimeEvent[] = [];
  readonly runtimes: ProcessRuntime[] = [];
  /** The key of every runtime opened here, as the workspace's secret key is for its runtimes. */
  readonly sealer = ephemeralSealer();

  constructor(private readonly settings: Partial<ProcessRuntimeSettings> = {}) {}

  /** Opens a runtime on the sandbox's state; `sealer` stands for another secret key. */
  async open(settings: Partial<ProcessRuntimeSettings> = {}, sealer: Sealer = this.sealer): Promise<ProcessRuntime> {
    const runtime = await openProcessRuntime(
      { logMaxBytes: 1_000_000, logKeep: 2, readyTimeoutMs: 10_000, ...this.settings, ...settings },
      { target: TARGET, stateDir: join(this.dir, 'state'), sealer, onEvent: (e) => this.events.push(e) },
      { spawn: trackingSpawn },
    );
    this.runtimes.push(runtime);
    return runtime;
  }

  unit(overrides: ContractUnitOverrides = {}, patch: Partial<ResolvedWorkload> = {}): DesiredUnit {
    return contractUnit(TARGET, (version, options) => workload(this.dir, version, patch, options), overrides);
  }

  async done(): Promise<void> {
    for (const runtime of this.runtimes.splice(0)) await runtime.close();
    const runtime = await openProcessRuntime(
      { logMaxBytes: 1_000_000, logKeep: 0, timings: { stopGraceMs: 2_000 } },
      { target: TARGET, stateDir: join(this.dir, 'state'), sealer: this.sealer },
    );
    for (const unit of await runtime.observe()) await runtime.remove(unit);
    await runtime.close();
    killSpawned();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function instances(runtime: ProcessRuntime): Promise<ObservedInstance[]> {
  return (await runtime.observe()).flatMap((u) => u.instances);
}

async function get(port: number, path = '/'): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return (await response.json()) as Record<string, unknown>;
}

adapterContract(
  'process',
  sandboxHarness(() => new Sandbox(), { killInstance: async (instance) => void process.kill(instance.pid!, 'SIGKILL') }),
);

describe('process runtime', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.done();
    expect(spawned).toEqual([]);
  });

  it('restarts a child killed with SIGKILL, and it serves again', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit());
    const [before] = await instances(runtime);
    process.kill(before!.pid!, 'SIGKILL');
    const after = await waitFor('a restarted, ready instance', async () => {
      const [i] = await instances(runtime);
      return i?.state === 'ready' && i.pid !== before!.pid && i;
    });
    expect(after.restarts).toBe(1);
    expect(after.ports).toEqual(before!.ports);
    expect(await get(after.ports.http!)).toMatchObject({ pid: after.pid, release: '1' });
    expect(sandbox.events.map((e) => e.type)).toEqual(expect.arrayContaining(['instance-crashed', 'instance-restarted']));
  });

  it('keeps the old release serving when the new one never becomes ready, and throws with its log', async () => {
    sandbox = new Sandbox({ readyTimeoutMs: 1_500 });
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ replicas: 2 }));
    const before = await instances(runtime);
    const failing = sandbox.unit({ replicas: 2, version: '2' }, { env: { FAIL_READINESS: '1' } });
    const error = await runtime.apply(failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotReadyError);
    expect((error as InstanceNotReadyError).code).toBe('runtime-failed');
    expect((error as InstanceNotReadyError).logTail.join('\n')).toContain('release 2 listening');
    const [unit] = await runtime.observe();
    expect(unit).toMatchObject({ release: { version: '1' }, health: 'healthy' });
    expect(unit!.instances.map((i) => i.pid)).toEqual(before.map((i) => i.pid));
    for (const instance of before) expect(await get(instance.ports.http!)).toMatchObject({ release: '1' });
    expect(spawned.filter((p) => alive(p.pid, p.startTime)).map((p) => p.pid)).toEqual(before.map((i) => i.pid));
  });

  it('stops gracefully with SIGTERM to the process group first', async () => {
    sandbox = new Sandbox();
    const signals = join(sandbox.dir, 'signals');
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({}, { env: { SIGNAL_FILE: signals } }));
    const [instance] = await instances(runtime);
    await runtime.remove(sandbox.unit());
    expect(readFileSync(signals, 'utf8')).toBe('SIGTERM\n');
    expect(existsSync(`/proc/${instance!.pid}`)).toBe(false);
  });

  it('sends SIGKILL when SIGTERM is ignored for longer than the grace period', async () => {
    sandbox = new Sandbox({ timings: { stopGraceMs: 300 } });
    const signals = join(sandbox.dir, 'signals');
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({}, { env: { SIGNAL_FILE: signals, IGNORE_SIGTERM: '1' } }));
    const [instance] = await instances(runtime);
    await runtime.remove(sandbox.unit());
    expect(readFileSync(signals, 'utf8')).toBe('SIGTERM\n');
    expect(existsSync(`/proc/${instance!.pid}`)).toBe(false);
  });

  it('updates replicas on fixed ports by stop-then-start, and restarts the old one when the new fails', async () => {
    sandbox = new Sandbox({ readyTimeoutMs: 1_500 });
    const base = await freePort();
    const runtime = await sandbox.open();
    const fixed = { ports: { http: base } };
    await runtime.apply(sandbox.unit({ replicas: 2, version: '1' }, fixed));
    await runtime.apply(sandbox.unit({ replicas: 2, version: '2' }, fixed));
    expect((await instances(runtime)).map((i) => i.ports.http)).toEqual([base, base + 1]);
    expect(await get(base)).toMatchObject({ release: '2' });
    expect(await get(base + 1)).toMatchObject({ release: '2' });
    await expect(runtime.apply(sandbox.unit({ replicas: 2, version: '3' }, { ...fixed, env: { FAIL_READINESS: '1' } }))).rejects.toThrow(/not ready/);
    expect(await get(base)).toMatchObject({ release: '2' });
    expect((await runtime.observe())[0]).toMatchObject({ release: { version: '2' }, health: 'healthy' });
  });

  it('gives each instance its ports and identity in the environment', async () => {
    sandbox = new Sandbox();
    const base = await freePort();
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ replicas: 2 }, { ports: { http: base, 'admin-api': 'auto' } }));
    const [, second] = await instances(runtime);
    expect(await get(base + 1, '/env')).toEqual({
      FIXTURE_VERSION: '1',
      PORT: String(base + 1),
      PORT_HTTP: String(base + 1),
      PORT_ADMIN_API: String(second!.ports['admin-api']),
      SLIPWAY_SERVICE: 'api',
      SLIPWAY_ENVIRONMENT: 'dev',
      SLIPWAY_RELEASE: '1',
      SLIPWAY_INSTANCE: 'dev.api.1',
      SLIPWAY_STATE_DIR: join(sandbox.dir, 'state'),
    });
  });

  it('restarts an instance whose liveness probe keeps failing', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    const liveness = { ...httpProbe('/livez'), periodSeconds: 0.1, failureThreshold: 2 };
    await runtime.apply(sandbox.unit({}, { env: { UNHEALTHY_AFTER_MS: '400' }, livenessProbe: liveness }));
    await waitFor('a liveness restart', async () => (await instances(runtime))[0]!.restarts >= 1);
    expect(sandbox.events.map((e) => e.type)).toContain('instance-unhealthy');
  });

  it('rotates a log file past logMaxBytes, keeping logKeep rotated files', async () => {
    sandbox = new Sandbox({ logMaxBytes: 2_000, logKeep: 2 });
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({}, { env: { LOG_EVERY_MS: '5', LOG_LINE_BYTES: '100' } }));
    const logs = join(sandbox.dir, 'state', 'logs');
    await waitFor('two rotated files', () => existsSync(join(logs, 'dev.api.0.log.2')));
    const rotated = readFileSync(join(logs, 'dev.api.0.log.2'), 'utf8');
    await waitFor('a further rotation', () => readFileSync(join(logs, 'dev.api.0.log.2'), 'utf8') !== rotated);
    // A rotation under way may hold its copy as dev.api.0.log.new; the numbered files are never missing.
    expect(readdirSync(logs).filter((f) => !f.endsWith('.new')).sort()).toEqual(['dev.api.0.log', 'dev.api.0.log.1', 'dev.api.0.log.2']);
  });

  it('reads the tail of the logs and follows new lines until aborted', async () => {
    sandbox = new Sandbox();
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({}, { env: { LOG_EVERY_MS: '20' } }));
    const tail = await waitFor('three ticks', async () => {
      const lines = await collect(runtime.logs(sandbox.unit(), { tail: 3 }));
      return lines.length === 3 && lines.every((l) => l.line.startsWith('tick ')) && lines;
    });
    expect(tail.map((l) => l.instance)).toEqual(['dev.api.0', 'dev.api.0', 'dev.api.0']);
    const lastTick = tickOf(tail.at(-1)!.line);
    expect(tickOf(tail[0]!.line)).toBe(lastTick - 2);

    const controller = new AbortController();
    const followed: number[] = [];
    for await (const line of runtime.logs(sandbox.unit(), { tail: 1, follow: true, signal: controller.signal })) {
      followed.push(tickOf(line.line));
      if (followed.length === 5) controller.abort();
    }
    expect(followed).toHaveLength(5);
    expect(followed.slice(1)).toEqual([1, 2, 3, 4].map((n) => followed[0]! + n));
    expect(followed[0]).toBeGreaterThanOrEqual(lastTick);
  });

  it('adopts its running instances after close and reopen, and watches them for crashes', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit({ replicas: 2 }));
    const before = await instances(first);
    await first.close();
    const second = await sandbox.open();
    const adopted = await instances(second);
    expect(adopted.map((i) => [i.pid, i.state, i.restarts])).toEqual(before.map((i) => [i.pid, 'ready', 0]));
    process.kill(adopted[1]!.pid!, 'SIGKILL');
    const restarted = await waitFor('the adopted instance restarted', async () => {
      const i = (await instances(second))[1];
      return i?.state === 'ready' && i.pid !== adopted[1]!.pid && i;
    });
    expect(restarted.restarts).toBe(1);
    expect((await instances(second))[0]!.pid).toBe(adopted[0]!.pid);
  });

  it('restarts instances that died while no runtime was open, without duplicates', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit({ replicas: 2 }));
    const before = await instances(first);
    await first.close();
    process.kill(-before[0]!.pid!, 'SIGKILL');
    await waitFor('the instance gone', () => !existsSync(`/proc/${before[0]!.pid}`));
    const second = await sandbox.open();
    await second.apply(sandbox.unit({ replicas: 2 }));
    const after = await instances(second);
    expect(after.map((i) => i.replica)).toEqual([0, 1]);
    expect(after[0]).toMatchObject({ state: 'ready', restarts: 1 });
    expect(after[0]!.pid).not.toBe(before[0]!.pid);
    expect(after[1]!.pid).toBe(before[1]!.pid);
  });

  it('drops the new half of an update interrupted by an orchestrator restart', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit());
    const [old] = await instances(first);
    const aborted = first.apply(sandbox.unit({ version: '2' }, { env: { FAIL_READINESS: '1' } }), { signal: AbortSignal.timeout(500) });
    await expect(aborted).rejects.toThrow();
    const during = await instances(first);
    expect(during.map((i) => i.replica)).toEqual([0, 0]);
    await first.close();
    const second = await sandbox.open();
    expect((await second.observe()).map((u) => [u.release.version, u.health, u.instances.map((i) => i.pid)])).toEqual([['1', 'healthy', [old!.pid]]]);
    // Dead, or a zombie the first runtime's Node has yet to collect: never running.
    expect(processStartTimeSync(during[1]!.pid!)).toBeNull();
  });

  it('reports what each instance runs after a rollout stopped half-way, and the unit degraded, also after a reopen', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit({ replicas: 2 }));
    const stop = new AbortController();
    const next = sandbox.unit({ replicas: 2, version: '2' });
    const halfway = first.apply(next, { signal: stop.signal, onProgress: (message) => message.endsWith('replica 0 ready') && stop.abort() });
    await expect(halfway).rejects.toThrow();
    const runs = (units: Awaited<ReturnType<ProcessRuntime['observe']>>) =>
      units.map((u) => [u.release.version, u.health, u.instances.map((i) => [i.replica, i.release.version, i.configHash, i.host])]);
    const mixed = [['1', 'degraded', [[0, '2', next.configHash, '127.0.0.1'], [1, '1', sandbox.unit().configHash, '127.0.0.1']]]];
    expect(runs(await first.observe())).toEqual(mixed);
    await first.close();
    const second = await sandbox.open();
    expect(runs(await waitFor('both adopted', async () => {
      const units = await second.observe();
      return units[0]?.instances.every((i) => i.state === 'ready') && units;
    }))).toEqual(mixed);
    await second.apply(next);
    expect(runs(await second.observe())).toEqual([['2', 'healthy', [[0, '2', next.configHash, '127.0.0.1'], [1, '2', next.configHash, '127.0.0.1']]]]);
  });

  it('keeps environments sealed in its state, and starts an instance that died with its environment again', async () => {
    sandbox = new Sandbox();
    const secret = 'hunter2-resolved-secret-value';
    const first = await sandbox.open();
    await first.apply(sandbox.unit({}, { env: { FIXTURE_TOKEN: secret } }));
    const [before] = await instances(first);
    expect(filesContaining(join(sandbox.dir, 'state'), secret)).toEqual([]);
    await first.close();
    process.kill(-before!.pid!, 'SIGKILL');
    await waitFor('the instance gone', () => !existsSync(`/proc/${before!.pid}`));
    const second = await sandbox.open();
    const after = await waitFor('the instance started again', async () => {
      const [i] = await instances(second);
      return i?.state === 'ready' && i;
    });
    expect(after.pid).not.toBe(before!.pid);
    expect(await get(after.ports.http!, '/env')).toMatchObject({ FIXTURE_TOKEN: secret });
    expect(filesContaining(join(sandbox.dir, 'state'), secret)).toEqual([]);
  });

  it('seals the environment of a record written before environments were sealed, when it opens', async () => {
    sandbox = new Sandbox();
    const secret = 'hunter2-resolved-secret-value';
    const first = await sandbox.open();
    await first.apply(sandbox.unit({}, { env: { FIXTURE_TOKEN: secret } }));
    const [before] = await instances(first);
    await first.close();
    const recordFile = join(sandbox.dir, 'state', 'instances', 'dev.api.0.0.json');
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { launch: { env: string } };
    const plain = { ...record, launch: { ...record.launch, env: JSON.parse(sandbox.sealer.unseal(record.launch.env)) as object } };
    writeFileSync(recordFile, JSON.stringify(plain));
    const second = await sandbox.open();
    expect(filesContaining(join(sandbox.dir, 'state'), secret)).toEqual([]);
    expect((await instances(second))[0]).toMatchObject({ state: 'ready', pid: before!.pid });
    process.kill(-before!.pid!, 'SIGKILL');
    const after = await waitFor('the instance started again', async () => {
      const [i] = await instances(second);
      return i?.state === 'ready' && i.pid !== before!.pid && i;
    });
    expect(await get(after.ports.http!, '/env')).toMatchObject({ FIXTURE_TOKEN: secret });
  });

  it('a stored record no client can probe, or that cannot be read, is an error of its unit: open, observe, apply and remove work, nothing is thrown uncaught', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      sandbox = new Sandbox();
      const first = await sandbox.open();
      await first.apply(sandbox.unit({ service: 'api' }));
      await first.apply(sandbox.unit({ service: 'worker' }, { livenessProbe: httpProbe('/livez') }));
      const before = new Map((await instances(first)).map((i) => [i.id, i.pid]));
      await first.close();
      // As a version that did not check probe paths would have stored them: a space, a line break.
      const dir = join(sandbox.dir, 'state', 'instances');
      const rewrite = (prefix: string, change: (record: Record<string, { path: string }>) => object) => {
        for (const file of readdirSync(dir).filter((f) => f.startsWith(prefix))) {
          writeFileSync(join(dir, file), JSON.stringify(change(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, { path: string }>)));
        }
      };
      rewrite('dev.api.', (record) => ({ ...record, readinessProbe: { ...record.readinessProbe, path: '/health z' } }));
      rewrite('dev.worker.', (record) => ({ ...record, livenessProbe: { ...record.livenessProbe, path: '/live\nz' } }));
      writeFileSync(join(dir, 'dev.cron.0.0.json'), JSON.stringify({ key: { service: 'cron' }, launch: 'node' }));

      const second = await sandbox.open();
      const state = (units: Awaited<ReturnType<ProcessRuntime['observe']>>) =>
        units.map((u) => [u.service, u.health, u.instances.map((i) => [i.pid === before.get(i.id), i.state, i.message ?? ''])]);
      const observed = await waitFor('the liveness probe to fail', async () => {
        const units = await second.observe();
        return units[1]?.instances[0]?.state === 'unhealthy' && units;
      });
      expect(state(observed)).toEqual([
        ['api', 'degraded', [[true, 'unhealthy', expect.stringMatching(/^probe GET "\/health z" on port \d+ cannot be sent: .+; deploy it again to clear this$/)]]],
        ['worker', 'degraded', [[true, 'unhealthy', expect.stringMatching(/^probe GET "\/live\\nz" on port \d+ cannot be sent: .+; deploy it again to clear this$/)]]],
      ]);
      expect(sandbox.events.map((e) => [e.type, e.key.service])).toEqual(
        expect.arrayContaining([
          ['record-unusable', 'cron'],
          ['instance-unhealthy', 'api'],
          ['instance-unhealthy', 'worker'],
        ]),
      );
      expect(readdirSync(dir)).toContain('dev.cron.0.0.json.unusable');

      // A fixed configuration replaces the instance; removing works on the other.
      await second.apply(sandbox.unit({ service: 'api', version: '2' }));
      await second.remove(sandbox.unit({ service: 'worker' }));
      expect(state(await second.observe())).toEqual([['api', 'healthy', [[false, 'ready', '']]]]);
      await second.close();
      await (await sandbox.open()).observe();
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  });

  it('reports an instance whose environment does not decrypt (another key) as crashed, and apply replaces it', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit({ replicas: 2 }));
    const before = await instances(first);
    await first.close();
    process.kill(-before[0]!.pid!, 'SIGKILL');
    await waitFor('the instance gone', () => !existsSync(`/proc/${before[0]!.pid}`));
    const second = await sandbox.open({}, ephemeralSealer());
    const [dead, alive] = await instances(second);
    expect(dead).toMatchObject({ state: 'crashed', message: expect.stringMatching(/cannot start: .*another key/) });
    expect(alive).toMatchObject({ state: 'ready', pid: before[1]!.pid });
    expect(sandbox.events).toContainEqual(expect.objectContaining({ type: 'instance-crashed', instance: 'dev.api.0' }));
    await second.apply(sandbox.unit({ replicas: 2 }));
    const [replaced, again] = await instances(second);
    expect(replaced).toMatchObject({ state: 'ready' });
    expect(await get(replaced!.ports.http!)).toMatchObject({ release: '1', pid: replaced!.pid });
    expect(again).toMatchObject({ state: 'ready' });
    expect(again!.pid).not.toBe(before[1]!.pid);
  });

  it('never adopts a pid whose start time differs from the record', async () => {
    sandbox = new Sandbox();
    const first = await sandbox.open();
    await first.apply(sandbox.unit());
    const [before] = await instances(first);
    await first.close();
    process.kill(-before!.pid!, 'SIGKILL');
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const strangerStart = processStartTimeSync(stranger.pid!);
    spawned.push({ pid: stranger.pid!, startTime: strangerStart });
    const recordFile = join(sandbox.dir, 'state', 'instances', 'dev.api.0.0.json');
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number };
    writeFileSync(recordFile, JSON.stringify({ ...record, pid: stranger.pid }));
    const second = await sandbox.open();
    const [instance] = await instances(second);
    expect(instance!.pid).not.toBe(stranger.pid);
    expect(alive(stranger.pid!, strangerStart)).toBe(true);
    await waitFor('the restarted instance ready', async () => (await instances(second))[0]!.state === 'ready');
  });
});

/** Files under `dir` (recursively) whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && readFileSync(join(entry.parentPath, entry.name)).includes(text))
    .map((entry) => join(entry.parentPath, entry.name));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function tickOf(line: string): number {
  const match = /^tick (\d+)/.exec(line);
  if (!match) throw new Error(`not a tick line: ${line}`);
  return Number(match[1]);
}
