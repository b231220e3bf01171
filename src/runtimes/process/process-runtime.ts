/**
 * The `process` runtime: each replica of a unit is a supervised local child process.
 *
 * Updates roll replica by replica, starting the new process before stopping the old one. When
 * the new workload declares a fixed port that the old process holds, the two cannot run side by
 * side, so that replica is stopped first and started again on failure (a short gap in serving).
 * A replica that does not become ready is stopped, the old one keeps (or resumes) serving, and
 * apply throws; replicas already moved to the new release stay on it (the engine rolls back by
 * applying the previous release). Scaling adds or removes the highest replica indices.
 *
 * State lives in the target's state directory (see `instance-state.ts`); opening the runtime on
 * it adopts the instances still running and restarts the dead ones. An instance's environment
 * holds resolved secrets, so its record keeps it sealed (`RuntimeContext.sealer`); one that does not
 * decrypt (the secret key changed) is reported `crashed` when it would have to start, and the next
 * apply of its unit replaces it.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredUnit, ObservedInstance, ObservedUnit, UnitKey } from '../../desired/types.js';
import { compareUnitKeys, unitId } from '../../desired/types.js';
import type { HttpProbe } from '../../inputs/schema.js';
import { processCommand, processProbe } from '../kit/process-workload.js';
import { RuntimeError } from '../../errors.js';
import { KeyedLock } from '../../keyed-lock.js';
import { sleep } from '../../sleep.js';
import { InstanceNotReadyError } from '../kit/errors.js';
import { unitHealth } from '../kit/health.js';
import { instanceEnv } from '../kit/instance-env.js';
import { instanceId, unitKey, unitSlug } from '../kit/names.js';
import { assignPorts, freePort, LOOPBACK, portsCollide, probePort } from '../kit/ports.js';
import { httpProbe, type Probe } from '../kit/probe.js';
import { reportUnusable, type UnitRecord } from '../kit/state-files.js';
import type { ApplyOptions, LogLine, LogSource, LogsOptions, RuntimeAdapter, RuntimeContext, RuntimeEvent } from '../types.js';
import { STATE_DIR_VARIABLE, findOrphans, killOrphans } from './orphans.js';
import { ProcessStateDir, type InstanceRecord, type ProbeSpec, type StoredInstanceRecord } from './instance-state.js';
import { LogCursor, rotateIfLarger, tailLines } from './log-file.js';
import { DEFAULT_TIMINGS, Supervisor, type SpawnFn, type SupervisorTimings } from './supervisor.js';

/** Settings of a process target (as in the project file) plus optional tuning. */
export interface ProcessRuntimeSettings {
  /** Log bytes per instance before the file is rotated. */
  readonly logMaxBytes: number;
  /** Rotated log files kept per instance (`.1` newest … `.logKeep` oldest). Rotation runs while the runtime is open. */
  readonly logKeep: number;
  /** How long one replica may take to become ready before apply gives up (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Supervision timings; defaults in `DEFAULT_TIMINGS` (SIGTERM grace 10 s, backoff 100 ms → 30 s). */
  readonly timings?: Partial<SupervisorTimings>;
}

/** Side effects, replaceable in tests. */
export interface ProcessRuntimeDeps {
  readonly now?: () => number;
  readonly spawn?: SpawnFn;
  readonly probe?: Probe;
  readonly allocatePort?: () => Promise<number>;
}

/** Lines of an instance's log carried by a readiness failure. */
const FAILURE_TAIL_LINES = 20;
/** A new instance that crashes this many times in a row before it is ready fails the apply at once. */
const CRASHES_BEFORE_GIVING_UP = 3;
const LOG_CHECK_MS = 500;
const FOLLOW_POLL_MS = 200;

/**
 * Opens the process runtime on `ctx.stateDir`: re-adopts live instances (same pid and start
 * time), restarts dead ones, and drops the stale half of an update interrupted by a crash.
 */
export function openProcessRuntime(settings: ProcessRuntimeSettings, ctx: RuntimeContext, deps: ProcessRuntimeDeps = {}): Promise<ProcessRuntime> {
  return ProcessRuntime.open(settings, ctx, deps);
}

export class ProcessRuntime implements RuntimeAdapter, LogSource {
  readonly kind = 'process';
  readonly reportsInstanceEvents = true;
  readonly restartsInstances = true;
  readonly #state: ProcessStateDir;
  readonly #timings: SupervisorTimings;
  readonly #now: () => number;
  readonly #spawn: SpawnFn;
  readonly #probe: Probe;
  readonly #allocatePort: () => Promise<number>;
  readonly #instances = new Set<Supervisor>();
  readonly #units = new Map<string, UnitRecord>();
  readonly #lock = new KeyedLock();
  #logTimer: NodeJS.Timeout | undefined;
  #rotating = false;
  #closed = false;

  /** Same as {@link openProcessRuntime}. */
  static async open(settings: ProcessRuntimeSettings, ctx: RuntimeContext, deps: ProcessRuntimeDeps = {}): Promise<ProcessRuntime> {
    const runtime = new ProcessRuntime(settings, ctx, deps);
    await runtime.load();
    return runtime;
  }

  private constructor(
    private readonly settings: ProcessRuntimeSettings,
    private readonly ctx: RuntimeContext,
    deps: ProcessRuntimeDeps,
  ) {
    this.#state = new ProcessStateDir(ctx.stateDir);
    this.#timings = { ...DEFAULT_TIMINGS, ...settings.timings };
    this.#now = deps.now ?? Date.now;
    this.#spawn = deps.spawn ?? ((command, args, options) => nodeSpawn(command, [...args], options));
    this.#probe = deps.probe ?? httpProbe;
    this.#allocatePort = deps.allocatePort ?? freePort;
  }

  /**
   * Reads the state directory and adopts what it records. A record that cannot be used is set
   * aside and told of as a `record-unusable` event of its unit (a process it described is then an
   * orphan); the rest of the target opens as usual.
   */
  private async load(): Promise<void> {
    await this.#state.init();
    const units = await this.#state.listUnits();
    for (const unit of units.records) this.#units.set(unitSlug(unit.key), unit);
    const instances = await this.#state.listInstances();
    reportUnusable(this.ctx, [...units.unusable, ...instances.unusable]);
    const byReplica = new Map<string, InstanceRecord[]>();
    for (const stored of instances.records) {
      const record = await this.sealed(stored);
      const id = instanceId(record.key, record.replica);
      byReplica.set(id, [...(byReplica.get(id) ?? []), record]);
    }
    await Promise.all(
      [...byReplica.values()].map(async (records) => {
        const unit = this.#units.get(unitSlug(records[0]!.key));
        const sorted = records.sort((a, b) => b.generation - a.generation);
        const keep = sorted.find((r) => r.configHash === unit?.configHash) ?? sorted[0]!;
        for (const stale of sorted.filter((r) => r !== keep)) await this.discard(this.supervise(stale));
        await this.supervise(keep).adopt();
      }),
    );
    const known = new Set([...this.#instances].map((s) => s.record.pid).filter((pid): pid is number => pid !== null));
    killOrphans(await findOrphans(this.ctx.stateDir, known));
    this.#logTimer = setInterval(() => void this.rotateLogs(), LOG_CHECK_MS);
    this.#logTimer.unref();
  }

  /**
   * Makes the unit run as described; idempotent. Blocks until every replica is ready. Throws
   * `InstanceNotReadyError` (a `RuntimeError`) when a replica is not ready within `readyTimeoutMs`;
   * with an aborted signal, throws its reason and leaves started instances as they are.
   */
  apply(unit: DesiredUnit, options: ApplyOptions = {}): Promise<void> {
    return this.locked(unit, async () => {
      this.assertOpen();
      for (let replica = 0; replica < unit.replicas; replica++) {
        options.signal?.throwIfAborted();
        await this.convergeReplica(unit, replica, options);
        options.onProgress?.(`${unitId(unit)}: replica ${replica} ready`);
      }
      await Promise.all(this.instancesOf(unit).filter((s) => s.record.replica >= unit.replicas).map((s) => this.discard(s)));
      const record: UnitRecord = { key: unitKey(unit), release: unit.release, configHash: unit.configHash, replicas: unit.replicas };
      await this.#state.saveUnit(record);
      this.#units.set(unitSlug(unit), record);
    });
  }

  /** Stops every instance of the unit and deletes its records and log files. Idempotent. */
  remove(key: UnitKey, _options: ApplyOptions = {}): Promise<void> {
    return this.locked(key, async () => {
      this.assertOpen();
      await Promise.all(this.instancesOf(key).map((s) => this.discard(s)));
      await this.#state.deleteUnit(key);
      this.#units.delete(unitSlug(key));
      const prefix = `${unitSlug(key)}.`;
      const files = await readdir(this.#state.logDir).catch(() => [] as string[]);
      await Promise.all(files.filter((f) => f.startsWith(prefix)).map((f) => rm(join(this.#state.logDir, f), { force: true })));
    });
  }

  /** Every unit with a record or an instance, in key order. Reads memory only; never throws. */
  async observe(): Promise<ObservedUnit[]> {
    const slugs = new Set([...this.#units.keys(), ...[...this.#instances].map((s) => unitSlug(s.record.key))]);
    return [...slugs]
      .map((slug) => {
        const instances = [...this.#instances].filter((s) => unitSlug(s.record.key) === slug).sort(byReplicaThenGeneration);
        const newest = instances.at(-1)?.record;
        const unit = this.#units.get(slug) ?? {
          key: newest!.key,
          release: newest!.release,
          configHash: newest!.configHash,
          replicas: new Set(instances.map((s) => s.record.replica)).size,
        };
        return {
          ...unit.key,
          release: unit.release,
          configHash: unit.configHash,
          replicas: unit.replicas,
          instances: instances.map(observeInstance),
          health: unitHealth(unit, instances.map(({ state, record }) => ({ state, replica: record.replica, configHash: record.configHash })), this.#lock.busy(slug)),
        };
      })
      .sort(compareUnitKeys);
  }

  /** Stops supervising (no restarts, no log rotation); every instance keeps running. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#logTimer);
    for (const instance of this.#instances) instance.detach();
    await Promise.all([...this.#instances].map((s) => s.flush()));
  }

  /**
   * The last `tail` lines (default 100) of each replica's log, then, with `follow`, lines as they
   * are appended (polled; survives rotation) until `signal` aborts. stdout and stderr share one file.
   */
  async *logs(key: UnitKey, options: LogsOptions = {}): AsyncGenerator<LogLine> {
    const { tail = 100, follow = false, signal } = options;
    const cursors = new Map<string, LogCursor>();
    for (const file of await this.logFiles(key)) cursors.set(file, await LogCursor.atEnd(join(this.#state.logDir, file)));
    for (const [file, cursor] of cursors) {
      for (const line of await tailLines(cursor.path, tail, cursor.offset)) yield { instance: instanceOfLog(file), stream: 'output', line };
    }
    while (follow && !signal?.aborted) {
      await sleep(FOLLOW_POLL_MS, signal);
      if (signal?.aborted) return;
      for (const file of await this.logFiles(key)) {
        if (!cursors.has(file)) cursors.set(file, new LogCursor(join(this.#state.logDir, file), 0));
      }
      for (const [file, cursor] of cursors) {
        for (const line of await cursor.read()) {
          if (signal?.aborted) return;
          yield { instance: instanceOfLog(file), stream: 'output', line };
        }
      }
    }
  }

  /** Makes one replica run `unit`'s configuration, as described in the module comment. */
  private async convergeReplica(unit: DesiredUnit, replica: number, options: ApplyOptions): Promise<void> {
    const existing = this.instancesOf(unit)
      .filter((s) => s.record.replica === replica)
      .sort((a, b) => b.record.generation - a.record.generation);
    const current = existing.find((s) => s.record.configHash === unit.configHash && s.canStart());
    if (current) {
      await Promise.all(existing.filter((s) => s !== current).map((s) => this.discard(s)));
      current.start();
      await this.awaitReady(unit, current, options);
      return;
    }
    const [old, ...stale] = existing;
    await Promise.all(stale.map((s) => this.discard(s)));
    const collide = old !== undefined && portsCollide(unit.workload.ports, replica, old.record.ports);
    if (old && collide) await old.stop();
    const fresh = await this.launch(unit, replica, (old?.record.generation ?? -1) + 1);
    try {
      await this.awaitReady(unit, fresh, options);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      await this.discard(fresh);
      if (old && collide) {
        old.start();
        await old.waitReady(this.readyTimeoutMs);
      }
      throw error;
    }
    if (old) await this.discard(old);
  }

  private async launch(unit: DesiredUnit, replica: number, generation: number): Promise<Supervisor> {
    const { workload } = unit;
    const ports = await assignPorts(workload.ports, replica, this.#allocatePort);
    const probe = (spec: HttpProbe | undefined): ProbeSpec | undefined => {
      const port = spec && probePort(spec.httpGet.port, workload.ports, ports);
      if (!spec || port === undefined) return undefined;
      const { httpGet, ...timing } = spec;
      return { port, path: httpGet.path, ...timing };
    };
    const record: InstanceRecord = {
      key: unitKey(unit),
      release: unit.release,
      configHash: unit.configHash,
      replica,
      generation,
      pid: null,
      startTime: null,
      startedAt: null,
      ports,
      restarts: 0,
      logPath: this.#state.logPath(unit, replica),
      launch: {
        command: processCommand(workload),
        args: workload.args,
        workingDir: workload.workingDir,
        env: this.sealEnv({ ...instanceEnv(unit, replica, ports), [STATE_DIR_VARIABLE]: this.ctx.stateDir }),
      },
      readinessProbe: probe(processProbe(workload.readinessProbe)),
      livenessProbe: probe(processProbe(workload.livenessProbe)),
    };
    await this.#state.saveInstance(record);
    const instance = this.supervise(record);
    instance.start();
    return instance;
  }

  private async awaitReady(unit: DesiredUnit, instance: Supervisor, options: ApplyOptions): Promise<void> {
    if (await instance.waitReady(this.readyTimeoutMs, options.signal, CRASHES_BEFORE_GIVING_UP)) return;
    const id = instanceId(unit, instance.record.replica);
    const why = instance.message ? ` (${instance.state}: ${instance.message})` : ` (${instance.state})`;
    const crashed = instance.consecutiveCrashes >= CRASHES_BEFORE_GIVING_UP;
    const verdict = crashed ? `crashed ${instance.consecutiveCrashes} times before it was ready` : `not ready within ${this.readyTimeoutMs} ms`;
    throw new InstanceNotReadyError(
      `${unitId(unit)}: replica ${instance.record.replica} of release ${unit.release.version} ${verdict}${why}`,
      id,
      await tailLines(instance.record.logPath, FAILURE_TAIL_LINES),
    );
  }

  private supervise(record: InstanceRecord): Supervisor {
    const key = record.key;
    const instance: Supervisor = new Supervisor(record, {
      spawn: this.#spawn,
      now: this.#now,
      probe: this.#probe,
      timings: this.#timings,
      save: (r) => (this.#instances.has(instance) ? this.#state.saveInstance(r) : Promise.resolve()),
      openEnv: (sealed) => JSON.parse(this.ctx.sealer.unseal(sealed)) as Record<string, string>,
      emit: (type, message) => this.emit(type, key, instanceId(key, record.replica), message),
    });
    this.#instances.add(instance);
    return instance;
  }

  private sealEnv(env: Readonly<Record<string, string>>): string {
    return this.ctx.sealer.seal(JSON.stringify(env));
  }

  /**
   * The record with its environment sealed. One written before environments were sealed is sealed
   * and written again; when no key can be had for that, its file is left for the next open and it
   * is kept here with an environment that does not decrypt (adopted if alive, never started again).
   */
  private async sealed(stored: StoredInstanceRecord): Promise<InstanceRecord> {
    const { env } = stored.launch;
    if (typeof env === 'string') return { ...stored, launch: { ...stored.launch, env } };
    let record: InstanceRecord;
    try {
      record = { ...stored, launch: { ...stored.launch, env: this.sealEnv(env) } };
    } catch {
      return { ...stored, launch: { ...stored.launch, env: '' } };
    }
    await this.#state.saveInstance(record);
    return record;
  }

  /** Stops an instance and forgets it. */
  private async discard(instance: Supervisor): Promise<void> {
    await instance.stop();
    this.#instances.delete(instance);
    await instance.flush();
    await this.#state.deleteInstance(instance.record);
  }

  private instancesOf(key: UnitKey): Supervisor[] {
    const slug = unitSlug(key);
    return [...this.#instances].filter((s) => unitSlug(s.record.key) === slug);
  }

  private emit(type: RuntimeEvent['type'], key: UnitKey, instance: string, message: string): void {
    if (this.#closed) return;
    try {
      this.ctx.onEvent?.({ type, key, instance, message: `${instance}: ${message}` });
    } catch {
      // a listener's failure must not stop supervision
    }
  }

  /** Rotates every instance's log file that has grown too large; a check still under way is not started again. */
  private async rotateLogs(): Promise<void> {
    if (this.#rotating) return;
    this.#rotating = true;
    try {
      const paths = new Set([...this.#instances].map((s) => s.record.logPath));
      for (const path of paths) await rotateIfLarger(path, this.settings.logMaxBytes, this.settings.logKeep).catch(() => false);
    } finally {
      this.#rotating = false;
    }
  }

  private async logFiles(key: UnitKey): Promise<string[]> {
    const prefix = `${unitSlug(key)}.`;
    const files = await readdir(this.#state.logDir).catch(() => [] as string[]);
    return files.filter((f) => f.startsWith(prefix) && f.endsWith('.log')).sort();
  }

  /** Runs `fn` after every earlier call for the same unit has settled. */
  private locked<T>(key: UnitKey, fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(unitSlug(key), fn);
  }

  private get readyTimeoutMs(): number {
    return this.settings.readyTimeoutMs ?? 30_000;
  }

  private assertOpen(): void {
    if (this.#closed) throw new RuntimeError(`process runtime of target ${this.ctx.target} is closed`);
  }
}

function observeInstance(s: Supervisor): ObservedInstance {
  const { record } = s;
  return {
    id: instanceId(record.key, record.replica),
    replica: record.replica,
    state: s.state,
    release: record.release,
    configHash: record.configHash,
    host: LOOPBACK,
    ...(record.pid !== null && s.state !== 'stopped' ? { pid: record.pid } : {}),
    ports: record.ports,
    restarts: record.restarts,
    ...(record.startedAt !== null ? { startedAt: new Date(record.startedAt) } : {}),
    ...(s.message ? { message: s.message } : {}),
  };
}

function byReplicaThenGeneration(a: Supervisor, b: Supervisor): number {
  return a.record.replica - b.record.replica || a.record.generation - b.record.generation;
}

/** `dev.api.0.log` → `dev.api.0`. */
function instanceOfLog(file: string): string {
  return file.slice(0, -'.log'.length);
}
