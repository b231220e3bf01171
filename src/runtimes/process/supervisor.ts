/**
 * Supervision of one instance: spawn it detached with its output in its log file, probe it until
 * ready, restart it with exponential backoff when it exits unexpectedly or fails its liveness
 * probe, and stop it gracefully (SIGTERM to its process group, then SIGKILL).
 *
 * An instance spawned by this supervisor is watched through the child's `exit` event; an adopted
 * one (spawned by an earlier orchestrator) by polling `/proc/<pid>/stat`, comparing start times
 * so that a reused pid is never taken for the instance.
 *
 * Nothing a record holds can end the orchestrator: every timer callback and probe catches its own
 * error (a probe path that cannot be sent, a spawn refused at once) and records it as the
 * instance's fault: state `unhealthy` (or `crashed` when it cannot start) with the reason as its
 * message, and a runtime event. The loop that failed stops; the others (life, restarts) go on.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import type { InstanceState } from '../../desired/types.js';
import { errorMessage } from '../../errors.js';
import { PRIVATE_FILE } from '../../state-dir.js';
import type { RuntimeEvent } from '../types.js';
import type { InstanceRecord, ProbeSpec } from './instance-state.js';
import { closeFd, openAppend } from './log-file.js';
import type { Probe } from '../kit/probe.js';
import { isSameProcess, processStartTimeSync } from '../../proc-stat.js';

/** The subset of `child_process.spawn` the supervisor uses. */
export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Timings of supervision, in milliseconds. */
export interface SupervisorTimings {
  /** First restart delay after a crash; doubles per consecutive crash. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Ready for this long: the next crash starts the backoff again from its first delay. */
  readonly backoffResetMs: number;
  /** With no readiness probe, an instance is ready once it has stayed alive this long. */
  readonly minUptimeMs: number;
  /** Readiness is probed this often while an instance starts (or `periodSeconds`, if shorter). */
  readonly readyPollMs: number;
  /** Adopted instances are checked for life this often. */
  readonly alivePollMs: number;
  /** SIGTERM, then this long, then SIGKILL. */
  readonly stopGraceMs: number;
}

export const DEFAULT_TIMINGS: SupervisorTimings = {
  backoffInitialMs: 100,
  backoffMaxMs: 30_000,
  backoffResetMs: 10_000,
  minUptimeMs: 300,
  readyPollMs: 50,
  alivePollMs: 150,
  stopGraceMs: 10_000,
};

/** What a supervisor needs from outside; every side effect goes through here. */
export interface SupervisorDeps {
  readonly spawn: SpawnFn;
  readonly now: () => number;
  readonly probe: Probe;
  readonly timings: SupervisorTimings;
  /** Persists the record; calls are issued in order. */
  readonly save: (record: InstanceRecord) => Promise<void>;
  /** The variables in a record's sealed `launch.env`; throws when they cannot be decrypted (another key). */
  readonly openEnv: (sealed: string) => Readonly<Record<string, string>>;
  readonly emit: (type: RuntimeEvent['type'], message: string) => void;
}

/** One run of the process: a new one begins at every spawn or adoption; stale callbacks check it. */
interface Run {
  readonly pid: number | null;
  readonly startTime: number | null;
  readonly child?: ChildProcess;
  ended: boolean;
}

export class Supervisor {
  #record: InstanceRecord;
  #state: InstanceState = 'stopped';
  #message: string | undefined;
  #run: Run | undefined;
  #wantRunning = false;
  #detached = false;
  #timers = new Set<NodeJS.Timeout>();
  #consecutiveCrashes = 0;
  #readySince: number | undefined;
  #livenessFailures = 0;
  #changed = new Set<() => void>();
  #saving: Promise<void> = Promise.resolve();
  /** Set when a spawn found the environment undecryptable or was refused: no restart is attempted. */
  #cannotStart = false;
  /** Set when a probe or timer of the current run failed by itself: waiting for readiness is over. */
  #faulted = false;

  constructor(
    record: InstanceRecord,
    private readonly deps: SupervisorDeps,
  ) {
    this.#record = record;
  }

  get record(): InstanceRecord {
    return this.#record;
  }

  get state(): InstanceState {
    return this.#state;
  }

  get message(): string | undefined {
    return this.#message;
  }

  /** Spawns the process now (a no-op while it runs). Does not wait for readiness. */
  start(): void {
    this.#wantRunning = true;
    if (!this.#run || this.#run.ended) this.spawn();
  }

  /**
   * Takes over the process of the record if it still runs (same pid and start time), else starts
   * it again, counting a restart. Does not wait for readiness.
   */
  async adopt(): Promise<void> {
    this.#wantRunning = true;
    const { pid, startTime } = this.#record;
    if (pid !== null && startTime !== null && (await isSameProcess(pid, startTime))) {
      const run: Run = { pid, startTime, ended: false };
      this.begin(run);
      this.watchAlive(run);
      // One probe right away, so that a runtime reopened on healthy instances reports them ready.
      const probe = this.#record.readinessProbe;
      try {
        if (!probe || (await this.deps.probe(probe.port, probe.path, probe.timeoutSeconds * 1000))) this.becomeReady(run);
        else this.awaitReadiness(run);
      } catch (error) {
        this.fault(run, error);
      }
    } else {
      this.#record = { ...this.#record, restarts: this.#record.restarts + 1 };
      if (!this.spawn()) return;
      this.deps.emit('instance-restarted', `found dead; started again as pid ${this.#record.pid ?? '?'}`);
    }
  }

  /**
   * False when the record's environment cannot be decrypted, so that the process could not be
   * started again: whoever has the unit at hand should launch a new instance instead.
   */
  canStart(): boolean {
    try {
      this.deps.openEnv(this.#record.launch.env);
      return true;
    } catch {
      return false;
    }
  }

  /** Crashes in a row: a crash-looping instance is not worth waiting for. */
  get consecutiveCrashes(): number {
    return this.#consecutiveCrashes;
  }

  /**
   * Resolves true once the instance is ready; false when `timeoutMs` passes first, once it has
   * crashed `maxCrashes` times in a row, or once it cannot start. Rejects with the signal's reason when `signal` aborts.
   * Does not change the instance.
   */
  waitReady(timeoutMs: number, signal?: AbortSignal, maxCrashes = Infinity): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const finish = (result: boolean | Error) => {
        clearTimeout(timer);
        this.#changed.delete(check);
        signal?.removeEventListener('abort', abort);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const check = () => {
        if (this.#state === 'ready') finish(true);
        else if (this.#faulted || (this.#state === 'crashed' && (this.#consecutiveCrashes >= maxCrashes || this.#cannotStart))) {
          finish(false);
        }
      };
      const abort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(() => finish(false), timeoutMs);
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.#changed.add(check);
      check();
    });
  }

  /**
   * Stops the process and its group: SIGTERM, up to `graceMs`, then SIGKILL. Resolves once it is
   * gone. Idempotent; never signals a pid whose start time differs from the record's.
   */
  async stop(graceMs = this.deps.timings.stopGraceMs): Promise<void> {
    this.#wantRunning = false;
    this.clearTimers();
    // Never adopted (a stale record dropped at open): its process, if any, is the record's.
    const { pid, startTime } = this.#record;
    const run = this.#run ?? (pid !== null ? { pid, startTime, ended: false } : undefined);
    if (run && !run.ended && run.pid !== null && run.startTime !== null) {
      if (await isSameProcess(run.pid, run.startTime)) {
        signalGroup(run.pid, 'SIGTERM');
        if (!(await this.waitGone(run, graceMs))) {
          signalGroup(run.pid, 'SIGKILL');
          await this.waitGone(run, 5_000);
        }
      }
      run.ended = true;
    }
    const wasStopped = this.#state === 'stopped';
    this.setState('stopped', undefined);
    if (!wasStopped) this.deps.emit('instance-stopped', 'stopped');
  }

  /** Stops supervising without touching the process; it keeps running for a later adoption. */
  detach(): void {
    this.#detached = true;
    this.clearTimers();
    this.#run?.child?.removeAllListeners('exit').removeAllListeners('error');
  }

  /** Resolves once every record change issued so far is persisted. */
  flush(): Promise<void> {
    return this.#saving;
  }

  /**
   * Starts the process of the record; false, with the instance `crashed` and nothing retried, when
   * its environment cannot be decrypted or the spawn is refused at once (a command or argument
   * that cannot be passed, a log file that cannot be opened). Its variables exist only in memory,
   * only for the spawn.
   */
  private spawn(): boolean {
    const { launch, logPath } = this.#record;
    let env: Readonly<Record<string, string>>;
    try {
      env = this.deps.openEnv(launch.env);
      this.#cannotStart = false;
    } catch (error) {
      return this.cannotStart(`its stored environment cannot be read (${errorMessage(error)})`);
    }
    let child: ChildProcess;
    try {
      const fd = openAppend(logPath);
      try {
        child = this.deps.spawn(launch.command, launch.args, {
          cwd: launch.workingDir,
          env,
          detached: true,
          stdio: ['ignore', fd, fd],
        });
      } finally {
        closeFd(fd);
      }
    } catch (error) {
      return this.cannotStart(errorMessage(error));
    }
    child.unref();
    const pid = child.pid ?? null;
    const startTime = pid === null ? null : processStartTimeSync(pid);
    this.#record = { ...this.#record, pid, startTime, startedAt: this.deps.now() };
    this.persist();
    const run: Run = { pid, startTime, child, ended: false };
    this.begin(run);
    this.awaitReadiness(run);
    child.once('exit', (code, signal) => this.onExit(run, signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.once('error', (error) => {
      const line = `slipway: cannot start ${launch.command}: ${error.message}\n`;
      void appendFile(logPath, line, { mode: PRIVATE_FILE }).catch(() => undefined);
      this.onExit(run, `cannot start: ${error.message}`);
    });
    if (pid !== null && startTime === null) this.onExit(run, 'exited at once');
    else this.deps.emit('instance-started', `started as pid ${pid}`);
    return true;
  }

  /** The instance cannot be started again as its record stands: `crashed`, told once, never retried. Returns false. */
  private cannotStart(reason: string): false {
    this.#cannotStart = true;
    const message = `cannot start: ${reason}; deploy it again`;
    this.setState('crashed', message);
    this.deps.emit('instance-crashed', message);
    return false;
  }

  /**
   * A probe or timer callback of `run` failed by itself (a probe path that cannot be sent): the
   * instance is `unhealthy` with the reason, and told once. The loop that failed has stopped (a
   * probe is not tried again until the instance is replaced); the process keeps running and is
   * still watched for life. Ignored once supervision ended, and for a run that another replaced.
   */
  private fault(run: Run | undefined, error: unknown): void {
    if (this.#detached || !this.#wantRunning || run !== this.#run) return;
    this.#faulted = true;
    const message = `${errorMessage(error)}; deploy it again to clear this`;
    this.setState('unhealthy', message);
    this.deps.emit('instance-unhealthy', message);
  }

  /** A new run begins, starting. */
  private begin(run: Run): void {
    this.#run = run;
    this.#faulted = false;
    this.#livenessFailures = 0;
    this.#readySince = undefined;
    this.setState('starting', undefined);
  }

  /** Probes until ready; with no readiness probe, ready once alive for `minUptimeMs`. */
  private awaitReadiness(run: Run): void {
    const probe = this.#record.readinessProbe;
    if (!probe) {
      this.after(this.deps.timings.minUptimeMs, () => this.becomeReady(run));
      return;
    }
    const interval = Math.min(this.deps.timings.readyPollMs, probe.periodSeconds * 1000);
    const attempt = async () => {
      if (!this.current(run)) return;
      if (await this.deps.probe(probe.port, probe.path, probe.timeoutSeconds * 1000)) this.becomeReady(run);
      else if (this.current(run)) this.after(interval, attempt);
    };
    this.after(probe.initialDelaySeconds * 1000, attempt);
  }

  private becomeReady(run: Run): void {
    if (!this.current(run)) return;
    this.#readySince = this.deps.now();
    this.setState('ready', undefined);
    this.deps.emit('instance-ready', `ready (pid ${run.pid})`);
    const liveness = this.#record.livenessProbe;
    if (liveness) this.after(liveness.periodSeconds * 1000, () => this.checkLiveness(run, liveness));
  }

  private async checkLiveness(run: Run, probe: ProbeSpec): Promise<void> {
    if (!this.current(run)) return;
    const ok = await this.deps.probe(probe.port, probe.path, probe.timeoutSeconds * 1000);
    if (!this.current(run)) return;
    if (ok) {
      this.#livenessFailures = 0;
      if (this.#state === 'unhealthy') this.setState('ready', undefined);
    } else {
      this.#livenessFailures++;
      const message = `liveness probe failed ${this.#livenessFailures}/${probe.failureThreshold}`;
      this.setState('unhealthy', message);
      this.deps.emit('instance-unhealthy', message);
      if (this.#livenessFailures >= probe.failureThreshold && run.pid !== null) {
        // The exit that follows goes through onExit and restarts it like any crash.
        signalGroup(run.pid, 'SIGKILL');
        return;
      }
    }
    this.after(probe.periodSeconds * 1000, () => this.checkLiveness(run, probe));
  }

  /** Adopted processes are not our children: poll their life (one small /proc read per tick). */
  private watchAlive(run: Run): void {
    const tick = async () => {
      if (!this.current(run)) return;
      if (await isSameProcess(run.pid!, run.startTime!)) this.after(this.deps.timings.alivePollMs, tick);
      else this.onExit(run, 'exited');
    };
    this.after(this.deps.timings.alivePollMs, tick);
  }

  private onExit(run: Run, reason: string): void {
    if (run.ended || this.#detached) return;
    run.ended = true;
    if (run !== this.#run || !this.#wantRunning) return;
    this.clearTimers();
    const now = this.deps.now();
    if (this.#readySince !== undefined && now - this.#readySince >= this.deps.timings.backoffResetMs) this.#consecutiveCrashes = 0;
    const { backoffInitialMs, backoffMaxMs } = this.deps.timings;
    const delay = Math.min(backoffInitialMs * 2 ** this.#consecutiveCrashes, backoffMaxMs);
    this.#consecutiveCrashes++;
    this.setState('crashed', reason);
    this.deps.emit('instance-crashed', `${reason}; restarting in ${delay} ms`);
    this.after(delay, () => {
      if (!this.#wantRunning || this.#run !== run) return;
      this.#record = { ...this.#record, restarts: this.#record.restarts + 1 };
      if (!this.spawn()) return;
      this.deps.emit('instance-restarted', `restart ${this.#record.restarts} as pid ${this.#record.pid ?? '?'}`);
    });
  }

  private current(run: Run): boolean {
    return !this.#detached && this.#run === run && !run.ended && this.#wantRunning;
  }

  /**
   * Resolves true once the run's process is gone: dead and, when it is our child, reaped (a
   * zombie still holds its pid until Node collects it); false after `timeoutMs`.
   */
  private async waitGone(run: Run, timeoutMs: number): Promise<boolean> {
    const deadline = this.deps.now() + timeoutMs;
    const reaped = () => !run.child || run.child.exitCode !== null || run.child.signalCode !== null;
    while ((await isSameProcess(run.pid!, run.startTime!)) || !reaped()) {
      if (this.deps.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  private setState(state: InstanceState, message: string | undefined): void {
    this.#state = state;
    this.#message = message;
    for (const listener of [...this.#changed]) listener();
  }

  private persist(): void {
    const record = this.#record;
    this.#saving = this.#saving.then(() => this.deps.save(record)).catch(() => undefined);
  }

  /** Runs `fn` after `ms` unless the timers are cleared first; an error it throws or rejects with is the run's fault, never uncaught. */
  private after(ms: number, fn: () => unknown): void {
    const run = this.#run;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        void Promise.resolve(fn()).catch((error: unknown) => this.fault(run, error));
      } catch (error) {
        this.fault(run, error);
      }
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** Signals the process group led by `pid` (instances are spawned detached, so pid = pgid). Ignores a group already gone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
