/**
 * The `container` runtime: each replica of a unit is a container on a Docker Engine API (Docker,
 * or Podman's `podman system service`), reached through dockerode.
 *
 * Containers carry Slipway's labels (`labels.ts`), so observe() reads everything from the engine
 * and survives an orchestrator restart; only the unit's last converged shape (release, replicas —
 * which a unit scaled to zero has no container to carry) is kept in the state directory. Crashes
 * are the engine's to repair, through the container's restart policy. An image missing on the
 * engine is pulled only when it is pinned by digest (`host[:port]/path@sha256:<hex>`: exactly the
 * image released), with the login `RuntimeContext.registryLogin` gives for its registry; one named
 * by tag alone is never pulled, and fails the apply, naming it. Images are ensured before any
 * container is touched, so a failed pull leaves the previous release running.
 *
 * Updates roll replica by replica: the new container is created, started and seen ready before
 * the old one is removed. When the new workload declares a fixed host port the old container
 * publishes, the two cannot run side by side: the old one is stopped first and started again if
 * the new one fails (a short gap in serving). A container removed by hand is created again by
 * the next apply. Scaling adds or removes the highest replica indices.
 *
 * A replica with sidecars is several containers: the first owns the network namespace and publishes
 * the ports, the sidecars join it (`container-spec.ts`); they are created, replaced and removed
 * together (sidecars first), and the replica is ready when every one of them runs and passes its
 * readiness probe (HTTP with headers, or a command run in the container). When the engine restarts a
 * crashed first container, its sidecars are left in the network namespace it had: the replica is
 * reported unhealthy ("cut off") and the next apply restarts them into the new one.
 *
 * Score's `before` orders a replica's start (`start-plan.ts`): its containers start one by one in
 * start order, and one that another awaits is waited on until it is `started`, `healthy` or
 * `complete` before the next starts. A step (awaited as `complete`) runs to completion: the start
 * fails when it exits with another status than 0, naming it, its status and its last lines, and the
 * new replica is removed whole, as any replica that does not get ready (the previous one serves on).
 * A finished step stays, exited, with its replica (its logs are the replica's), is no crash or
 * missing container to observe(), is removed with its replica, and never runs again: a replica whose
 * steps did not all complete (an apply cut short) is replaced by the next apply. Files are written under
 * the state directory (`files/<container>/`, directories 0700) and mounted read-only; they are
 * removed with their container. Volumes are the engine's and outlive every container.
 *
 * Logs are the engine's own (`GET /containers/{id}/logs`), read container by container and named
 * by instance, as observe() names them. A followed read ends when its container stops; it is read
 * again, from the last entry it had, when the container runs again.
 *
 * It watches its target through the engine's event stream (`watch.ts`), so that the observe loop
 * observes it when a container changes rather than every second.
 *
 * While it is open, it runs the liveness probes of its containers (`liveness.ts`): of those it finds
 * on opening and of those an apply starts, each container (sidecars too) that declares one, until
 * the container is removed or the runtime closed. A container that fails its probe
 * `failureThreshold` times in a row is restarted (a first container's sidecars with it, to join its
 * new network), told to `RuntimeContext.onEvent`, and counted in its replica's `restarts` (which the
 * engine does not count) while the runtime stays open. In `slipway server` that is all the time; a
 * one-shot CLI command probes only until it ends.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Dockerode from 'dockerode';
import type { ContainerInfo, ContainerLogsOptions } from 'dockerode';
import type { DesiredUnit, ObservedInstance, ObservedUnit, UnitKey } from '../../desired/types.js';
import { compareUnitKeys, unitId } from '../../desired/types.js';
import { errorMessage, RuntimeError } from '../../errors.js';
import { InstanceNotReadyError } from '../kit/errors.js';
import { interleave } from '../kit/interleave.js';
import { LastSeen } from '../kit/last-seen.js';
import { unitHealth } from '../kit/health.js';
import { instanceId, unitKey, unitSlug } from '../kit/names.js';
import { assignPorts, freePort, LOOPBACK, portsCollide } from '../kit/ports.js';
import { httpProbe, type Probe } from '../kit/probe.js';
import { reportUnusable, StateDir, type UnitRecord } from '../kit/state-files.js';
import type { ApplyOptions, LogLine, LogSource, LogsOptions, RegistryCredentials, RuntimeAdapter, RuntimeContext, Watchable, WatchEvent, Watching } from '../types.js';
import { containerCommand, pinnedRegistry } from './image-ref.js';
import { containerName, containerOf, createOptions, hostFiles, instanceLabels } from './container-spec.js';
import { startPlan, startProgress } from './start-plan.js';
import type { Readiness } from '../../inputs/start-order.js';
import { KeyedLock } from '../../keyed-lock.js';
import { decodeLabels, labelFilter, type HostProbe, type InstanceLabels } from './labels.js';
import { LogReader, sinceOf, type LogMark } from './log-frames.js';
import type { ContainerTarget } from './settings.js';
import { EngineWatcher } from './watch.js';
import { LivenessProber, pause, type LivenessSubject } from './liveness.js';
import { FIRST_RETRY_MS, MAX_RETRY_MS } from '../kit/link.js';

/** Settings of a container target, as parsed from the project file (defaults applied). */
export type ContainerRuntimeSettings = Omit<ContainerTarget, 'runtime'>;

/** Side effects, replaceable in tests. */
export interface ContainerRuntimeDeps {
  /** The engine client; default: dockerode on `settings.socket`. */
  readonly docker?: Dockerode;
  readonly probe?: Probe;
  readonly allocatePort?: () => Promise<number>;
}

/** A new container that the engine restarted this many times before it was ready fails the apply at once. */
const RESTARTS_BEFORE_GIVING_UP = 3;
const READY_POLL_MS = 100;
/** Seconds the engine waits after SIGTERM before SIGKILL when a container is stopped. */
const STOP_GRACE_SECONDS = 10;
const FAILURE_TAIL_LINES = 20;
/** How often a follower of logs looks for containers created or started again. */
const FOLLOW_POLL_MS = 500;

/** One Slipway container as the engine reports it now. */
interface Container {
  readonly id: string;
  readonly labels: InstanceLabels;
  /** The engine's word: created, running, restarting, paused, exited, dead. */
  readonly status: string;
  readonly pid?: number;
  readonly restarts: number;
  readonly exitCode: number;
  /** While it runs. */
  readonly startedAt?: Date;
  /** Its last start, whether it still runs or not (year 1 when it never started). */
  readonly lastStartedAt: Date;
}

/** An instance's state and, when a probe could not even be sent, why. */
interface InstanceCondition {
  readonly state: ObservedInstance['state'];
  readonly message?: string;
}

/** What one read of a container's logs asks for. */
interface LogRead {
  readonly tail?: number;
  readonly since?: string;
  /** The mark of the read this one resumes: its entries are skipped. */
  readonly after?: LogMark;
  readonly follow?: boolean;
  /** Aborting ends the read and closes its connection. */
  readonly signal?: AbortSignal;
  /** Told where the read got to once it has ended. */
  readonly onEnd?: (mark: LogMark | undefined) => void;
}

/**
 * Opens the container runtime of one target; idempotent. Does not block on the engine: the
 * liveness probes of the containers already there start in the background, once it answers.
 */
export async function openContainerRuntime(settings: ContainerRuntimeSettings, ctx: RuntimeContext, deps: ContainerRuntimeDeps = {}): Promise<ContainerRuntime> {
  const state = new StateDir(ctx.stateDir);
  await state.init();
  const { records, unusable } = await state.listUnits();
  reportUnusable(ctx, unusable);
  const units = new Map(records.map((record) => [unitSlug(record.key), record]));
  const runtime = new ContainerRuntime(settings, ctx, state, units, deps);
  runtime.adoptLiveness();
  return runtime;
}

/** How long a stopped container is given to be restarted by the engine before apply starts it. */
const ENGINE_RESTART_GRACE_MS = 2_000;

/** The engine's socket refused the call or is gone: the engine is down, not the containers. */
export class EngineUnreachableError extends RuntimeError {}

/** Socket errors that say the engine is not there. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

export class ContainerRuntime implements RuntimeAdapter, LogSource, Watchable {
  readonly kind = 'container';
  readonly #docker: Dockerode;
  readonly #probe: Probe;
  readonly #allocatePort: () => Promise<number>;
  readonly #lock = new KeyedLock();
  /** What was last seen on the engine, reported while it does not answer. */
  readonly #seen = new LastSeen<ObservedUnit>();
  readonly #watches = new Set<Watching>();
  readonly #liveness: LivenessProber;
  /** Liveness restarts of each replica's containers, by the name of its first container: the engine counts only its own. */
  readonly #livenessRestarts = new Map<string, number>();
  readonly #closing = new AbortController();
  #closed = false;

  /** Use {@link openContainerRuntime}. */
  constructor(
    private readonly settings: ContainerRuntimeSettings,
    private readonly ctx: RuntimeContext,
    private readonly state: StateDir,
    private readonly units: Map<string, UnitRecord>,
    deps: ContainerRuntimeDeps,
  ) {
    this.#docker = deps.docker ?? new Dockerode(settings.socket ? { socketPath: settings.socket } : undefined);
    this.#probe = deps.probe ?? httpProbe;
    this.#allocatePort = deps.allocatePort ?? freePort;
    this.#liveness = new LivenessProber({
      run: async ({ id }) => {
        const container = await this.inspect(id);
        return container && { running: container.status === 'running', startedAt: container.lastStartedAt.getTime() };
      },
      probe: async (subject) => {
        const probe = subject.labels.livenessProbe;
        const passed = await this.runProbe(subject, probe);
        return passed ? undefined : `no ${'path' in probe ? '2xx or 3xx answer' : 'exit status 0'} within ${probe.timeoutSeconds} s`;
      },
      restart: (subject) => this.restartForLiveness(subject),
      report: ({ labels }, restarted, message) =>
        ctx.onEvent?.({ type: restarted ? 'instance-restarted' : 'instance-unhealthy', key: labels.key, instance: instanceId(labels.key, labels.replica), message }),
    });
  }

  /**
   * Starts probing the liveness of every container of the target that declares a probe, as found
   * on the engine; lists them again, after a wait that doubles from 1 s to 30 s, while the engine
   * fails, until the runtime closes. Never blocks, never throws. Called once, on opening.
   */
  adoptLiveness(): void {
    const signal = this.#closing.signal;
    const adopt = async () => {
      for (let wait = FIRST_RETRY_MS; !signal.aborted; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
        try {
          for (const container of await this.containers()) this.probeLiveness(container);
          return;
        } catch {
          await pause(wait, signal);
        }
      }
    };
    void adopt();
  }

  /** Ids of the containers whose liveness is being probed. */
  livenessProbed(): string[] {
    return this.#liveness.probing();
  }

  /**
   * Makes the unit run as described; idempotent (a running container of the unit's configuration
   * is left alone, a stopped one started, a missing one created). Blocks until every replica is
   * ready. Throws `InstanceNotReadyError` when one is not ready within `readyTimeoutSeconds`, a
   * `RuntimeError` when an image is neither on the engine nor pulled (`ensureImages`) or the engine fails.
   */
  apply(unit: DesiredUnit, options: ApplyOptions = {}): Promise<void> {
    return this.#lock.run(unitSlug(unit), async () => {
      this.assertOpen();
      const containers = await this.containers(unit);
      if (unit.replicas > 0) await this.ensureImages(unit, options);
      for (let replica = 0; replica < unit.replicas; replica++) {
        options.signal?.throwIfAborted();
        await this.convergeReplica(unit, replica, containers.filter((c) => c.labels.replica === replica), options);
        options.onProgress?.(`${unitId(unit)}: replica ${replica} ready`);
      }
      await this.removeGenerations(containers.filter((c) => c.labels.replica >= unit.replicas));
      const record: UnitRecord = { key: unitKey(unit), release: unit.release, configHash: unit.configHash, replicas: unit.replicas };
      await this.state.saveUnit(record);
      this.units.set(unitSlug(unit), record);
      this.#seen.changed(unit, (await this.observed(unit))[0]);
    });
  }

  /** Removes every container of the unit and its record. Idempotent. */
  remove(key: UnitKey, _options: ApplyOptions = {}): Promise<void> {
    return this.#lock.run(unitSlug(key), async () => {
      this.assertOpen();
      await this.removeGenerations(await this.containers(key));
      await this.state.deleteUnit(key);
      this.units.delete(unitSlug(key));
      this.#seen.changed(key, undefined);
    });
  }

  /**
   * Every unit with a record or a container on this target, in key order, read from the engine;
   * running containers with a readiness probe are probed. A container removed by hand is absent
   * (health `missing` or `degraded`). While the engine does not answer, the units seen last are
   * reported with their instances `unhealthy` ("engine unreachable": the containers most likely
   * run on); only when none was ever seen does it throw the `EngineUnreachableError`.
   */
  async observe(): Promise<ObservedUnit[]> {
    try {
      const units = await this.observed();
      this.#seen.saw(units);
      return units;
    } catch (error) {
      if (!(error instanceof EngineUnreachableError) || !this.#seen.known) throw error;
      return this.#seen.unreachable('engine unreachable');
    }
  }

  /** The units with a record or a container on this target (only `key`'s, when given), in key order. */
  private async observed(key?: UnitKey): Promise<ObservedUnit[]> {
    const all = await this.containers(key);
    const containers = all.filter((c) => c.labels.sidecar === undefined);
    const states = await Promise.all(containers.map((c) => this.replicaState(c, sidecarsOf(c, all))));
    const bySlug = new Map<string, { container: Container; state: InstanceCondition }[]>();
    containers.forEach((container, i) => {
      const slug = unitSlug(container.labels.key);
      bySlug.set(slug, [...(bySlug.get(slug) ?? []), { container, state: states[i]! }]);
    });
    const recorded = key ? [unitSlug(key)].filter((slug) => this.units.has(slug)) : this.units.keys();
    const slugs = new Set([...recorded, ...bySlug.keys()]);
    return [...slugs]
      .map((slug) => {
        const found = (bySlug.get(slug) ?? []).sort((a, b) => byReplicaThenGeneration(a.container, b.container));
        const newest = found.at(-1)?.container.labels;
        const unit = this.units.get(slug) ?? {
          key: newest!.key,
          release: newest!.release,
          configHash: newest!.configHash,
          replicas: new Set(found.map((f) => f.container.labels.replica)).size,
        };
        return {
          ...unit.key,
          release: unit.release,
          configHash: unit.configHash,
          replicas: unit.replicas,
          instances: found.map(({ container, state }) => observeInstance(container, state)),
          health: unitHealth(
            unit,
            found.map(({ container, state }) => ({ state: state.state, replica: container.labels.replica, configHash: container.labels.configHash })),
            this.#lock.busy(slug),
          ),
        };
      })
      .sort(compareUnitKeys);
  }

  /**
   * Stops using the engine, every watch and every liveness probe (resolving once a probe or restart
   * under way has ended); containers keep running under the engine's restart policy. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    await Promise.all([...[...this.#watches].map((watching) => watching.stop()), this.#liveness.close()]);
  }

  /**
   * Watches the target through the engine's event stream (`watch.ts`, which says what is seen
   * when): tells `changed` with the unit when one of its containers is created, started, dies, is
   * stopped, paused or removed, and when a started one passes its readiness probe; `linked` once the
   * stream is open, `lost` when it ends or cannot be opened, and opens it again by itself.
   */
  watch(listener: (event: WatchEvent) => void): Watching {
    if (this.#closed) return { stop: async () => {} };
    const ready = async (id: string) => {
      const container = await this.inspect(id);
      return container && (await this.instanceState(container)).state === 'ready';
    };
    const link = this.settings.socket ?? 'the default engine socket';
    const watcher = new EngineWatcher({ docker: this.#docker, target: this.ctx.target, link, ready, readyWithinMs: this.settings.readyTimeoutSeconds * 1000 }, listener);
    const watching: Watching = {
      stop: async () => {
        this.#watches.delete(watching);
        await watcher.stop();
      },
    };
    this.#watches.add(watching);
    return watching;
  }

  /**
   * The last `tail` lines (default 100) of each container of the unit, named by instance as in
   * observe() (a replica has two containers only while it is being replaced); without `follow`,
   * instance by instance in replica order, and then it ends. With `follow`, lines from all of
   * them as they are written, and from containers created or started again later (from where
   * their last read ended), until `signal` aborts; stopping the iteration early also closes every
   * connection. Throws a `RuntimeError` when the engine fails; a container removed meanwhile
   * just ends its lines.
   */
  async *logs(key: UnitKey, options: LogsOptions = {}): AsyncGenerator<LogLine> {
    const { tail = 100, follow = false } = options;
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    try {
      const containers = (await this.containers(key)).sort(byReplicaThenGeneration);
      if (follow) yield* interleave(this.followedLogs(key, containers, tail, signal));
      else for (const container of containers) yield* this.containerLogs(container, { tail, signal });
    } finally {
      stop.abort();
    }
  }

  /** Makes one replica run the unit's configuration, as described in the module comment. `existing`: its containers, sidecars included. */
  private async convergeReplica(unit: DesiredUnit, replica: number, existing: readonly Container[], options: ApplyOptions): Promise<void> {
    const sorted = existing.filter((c) => c.labels.sidecar === undefined).sort((a, b) => b.labels.generation - a.labels.generation);
    // Sidecars whose first container is gone cannot be joined again.
    await Promise.all(existing.filter((c) => c.labels.sidecar !== undefined && !sorted.some((m) => m.labels.generation === c.labels.generation)).map((c) => this.removeContainer(c)));
    const current = sorted.find((c) => c.labels.configHash === unit.configHash && missingSidecars(c, existing).length === 0 && stepsDone(c, existing));
    if (current) {
      await this.removeGenerations(sorted.filter((c) => c !== current));
      for (const container of [current, ...keptRunning(sidecarsOf(current, existing))]) {
        if (!(await this.runningSoon(container))) await this.engine(`start ${container.id}`, () => this.#docker.getContainer(container.id).start());
        this.probeLiveness(container);
      }
      await this.rejoinNetwork(current);
      await this.awaitReady(unit, current.id, current.labels, options);
      return;
    }
    const [old, ...stale] = sorted;
    await this.removeGenerations(stale);
    const collide = old !== undefined && portsCollide(unit.workload.ports, replica, old.labels.ports);
    // A finished step of the old replica is never started again.
    const oldGroup = old ? [...keptRunning(sidecarsOf(old, existing)), old] : [];
    if (old && collide) {
      for (const c of oldGroup) await this.engine(`stop ${c.id}`, () => this.#docker.getContainer(c.id).stop({ t: STOP_GRACE_SECONDS }).catch(ignoreNotModified));
    }
    const labels = instanceLabels(unit, replica, (old?.labels.generation ?? -1) + 1, await assignPorts(unit.workload.ports, replica, this.#allocatePort));
    try {
      let id: string | undefined;
      for (const launch of startPlan(unit.workload)) {
        const own = launch.sidecar === undefined ? labels : instanceLabels(unit, replica, labels.generation, labels.ports, launch.sidecar);
        const started = await this.createAndStart(unit, own, launch.joins ? id : undefined);
        if (launch.sidecar === undefined) id = started;
        if (launch.await) await this.awaitStart(unit, started, own, launch.await, options);
      }
      await this.awaitReady(unit, id!, labels, options);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      await this.removeGeneration(unit, labels);
      if (old && collide) {
        for (const c of oldGroup.reverse()) await this.engine(`start ${c.id}`, () => this.#docker.getContainer(c.id).start());
        await this.awaitReady(unit, old.id, old.labels, {});
      }
      throw error;
    }
    if (old) await this.removeGenerations([old]);
  }

  /**
   * Restarts the sidecars of `first` that run in the network namespace it had before the engine
   * restarted it (a crash): started again, they join the one it has now.
   */
  private async rejoinNetwork(first: Container): Promise<void> {
    const now = await this.inspect(first.id);
    if (!now) return;
    for (const sidecar of staleSidecars(now, await this.sidecarsNow(now))) {
      await this.engine(`restart ${sidecar.id}`, () => this.#docker.getContainer(sidecar.id).restart({ t: STOP_GRACE_SECONDS }));
    }
  }

  /** Writes the container's files, creates it (joined to `networkOf` for a sidecar) and starts it; returns its id. */
  private async createAndStart(unit: DesiredUnit, labels: InstanceLabels, networkOf?: string): Promise<string> {
    const name = containerName(labels);
    const filesDir = join(this.ctx.stateDir, 'files', name);
    const container = containerOf(unit, labels.sidecar);
    const files = container ? hostFiles(container, filesDir) : [];
    if (files.length > 0) {
      await mkdir(filesDir, { recursive: true, mode: 0o700 });
      await chmod(filesDir, 0o700);
      for (const file of files) {
        await writeFile(file.path, file.data, { mode: file.mode });
        await chmod(file.path, file.mode);
      }
    }
    const id = await this.engine(`create ${name}`, async () => (await this.#docker.createContainer(createOptions(unit, labels, this.settings, { filesDir, networkOf }))).id);
    await this.engine(`start ${name}`, () => this.#docker.getContainer(id).start());
    this.probeLiveness({ id, labels });
    return id;
  }

  /** Starts probing the container's liveness, when it declares a probe and is no step; a no-op when it is probed already. */
  private probeLiveness({ id, labels }: Pick<Container, 'id' | 'labels'>): void {
    const { livenessProbe } = labels;
    if (livenessProbe && !labels.step) this.#liveness.start({ id, labels: { ...labels, livenessProbe } });
  }

  /**
   * Restarts a container that failed its liveness probe (stop, with the grace period, then start)
   * and counts it on its replica; a first container's sidecars are restarted after it, into its new
   * network. Throws a `RuntimeError` when the engine fails.
   */
  private async restartForLiveness({ id, labels }: LivenessSubject): Promise<void> {
    await this.engine(`restart ${id}`, () => this.#docker.getContainer(id).restart({ t: STOP_GRACE_SECONDS }));
    const replica = containerName({ key: labels.key, replica: labels.replica, generation: labels.generation });
    this.#livenessRestarts.set(replica, (this.#livenessRestarts.get(replica) ?? 0) + 1);
    const first = labels.sidecar === undefined ? await this.inspect(id) : undefined;
    if (first) await this.rejoinNetwork(first);
  }

  /**
   * True when the container runs, or is being started again by the engine's restart policy
   * within a moment (a crash just now). Starting it ourselves while the engine does too races
   * with it, and can leave the container running without its published ports.
   */
  private async runningSoon(container: Container): Promise<boolean> {
    const deadline = Date.now() + ENGINE_RESTART_GRACE_MS;
    for (let seen: Container | undefined = container; seen; seen = await this.inspect(container.id)) {
      if (seen.status === 'running' || seen.status === 'restarting') return true;
      if (Date.now() >= deadline) return false;
      await delay(READY_POLL_MS);
    }
    return false;
  }

  /**
   * Waits, polling, until a container just started reaches `ready` (`startProgress`), so that the
   * containers after it may start. Throws `InstanceNotReadyError` naming the container, with its last
   * lines, when it exited otherwise (a step with another status than 0), restarted too often, is
   * gone, or did not get there within `readyTimeoutSeconds`.
   */
  private async awaitStart(unit: DesiredUnit, id: string, labels: InstanceLabels, ready: Readiness, options: ApplyOptions): Promise<void> {
    const deadline = Date.now() + this.settings.readyTimeoutSeconds * 1000;
    let last: Container | undefined;
    let failure: string;
    for (;;) {
      options.signal?.throwIfAborted();
      last = await this.inspect(id);
      if (!last) {
        failure = 'disappeared';
        break;
      }
      const probed = ready === 'healthy' && last.status === 'running' ? (await this.instanceState(last)).state === 'ready' : undefined;
      const progress = startProgress(ready, { ...last, probed }, RESTARTS_BEFORE_GIVING_UP);
      if (progress === 'reached') return;
      if (progress !== 'waiting') {
        failure = progress.failed;
        break;
      }
      if (Date.now() > deadline) {
        failure = `was not ${ready} within ${this.settings.readyTimeoutSeconds} s (${last.status})`;
        break;
      }
      await delay(READY_POLL_MS);
    }
    const which = `${labels.step ? 'step' : 'container'} ${labels.sidecar ?? 'of the workload'} (${containerName(labels)})`;
    throw new InstanceNotReadyError(
      `${unitId(unit)}: replica ${labels.replica} of release ${unit.release.version} did not start: ${which} ${failure}, and the containers after it must wait until it is ${ready}`,
      containerName(labels),
      await this.logTail(last),
    );
  }

  /** Waits until the container runs and passes its readiness probe; throws `InstanceNotReadyError`. */
  private async awaitReady(unit: DesiredUnit, id: string, labels: InstanceLabels, options: ApplyOptions): Promise<void> {
    const deadline = Date.now() + this.settings.readyTimeoutSeconds * 1000;
    let last: Container | undefined;
    let fault: string | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      last = await this.inspect(id);
      if (!last) break;
      const { state, message } = await this.replicaState(last, await this.sidecarsNow(last));
      if (state === 'ready') return;
      // A probe that cannot be sent will never pass, nor a replica whose sidecar is gone.
      fault = state === 'unhealthy' || state === 'crashed' ? (message && /cannot be sent|is missing/.test(message) ? message : undefined) : undefined;
      if (fault || last.restarts >= RESTARTS_BEFORE_GIVING_UP || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    const verdict = !last
      ? 'container disappeared before it was ready'
      : fault
        ? `cannot be probed: ${fault}`
        : last.restarts >= RESTARTS_BEFORE_GIVING_UP
          ? `crashed ${last.restarts} times before it was ready`
          : `not ready within ${this.settings.readyTimeoutSeconds} s (${last.status})`;
    throw new InstanceNotReadyError(`${unitId(unit)}: replica ${labels.replica} of release ${unit.release.version} ${verdict}`, containerName(labels), await this.logTail(last));
  }

  /**
   * ready: running and passing its readiness probe (if any); crashed: restarting or exited with an
   * error. A probe that cannot be sent (a path from labels written before the project file checked
   * it) makes the instance `unhealthy` with the reason as `message`; it never fails the observation.
   */
  private async instanceState(container: Container): Promise<InstanceCondition> {
    switch (container.status) {
      case 'running': {
        const probe = container.labels.readinessProbe;
        if (!probe) return { state: 'ready' };
        try {
          return { state: (await this.runProbe(container, probe)) ? 'ready' : 'unhealthy' };
        } catch (error) {
          return { state: 'unhealthy', message: errorMessage(error) };
        }
      }
      case 'created':
        return { state: 'starting' };
      case 'paused':
        return { state: 'unhealthy' };
      case 'exited':
        return { state: container.exitCode === 0 ? 'stopped' : 'crashed' };
      default:
        return { state: 'crashed' };
    }
  }

  /**
   * The state of a replica: its first container's, unless a sidecar (of those its labels name) is
   * missing or not ready, which makes it that sidecar's state, told in `message`.
   */
  private async replicaState(first: Container, sidecars: readonly Container[]): Promise<InstanceCondition> {
    const own = await this.instanceState(first);
    if (own.state !== 'ready') return own;
    const missing = missingSidecars(first, sidecars);
    if (missing.length > 0) return { state: 'unhealthy', message: `container ${containerName({ ...first.labels, sidecar: missing[0] })} is missing; deploy again` };
    const [stale] = staleSidecars(first, sidecars);
    if (stale) return { state: 'unhealthy', message: `container ${containerName(stale.labels)} is cut off from the network its first container has had since it restarted; deploy again` };
    for (const sidecar of sidecars) {
      if (finishedStep(sidecar)) continue;
      const { state, message } = await this.instanceState(sidecar);
      if (state !== 'ready') return { state: state === 'stopped' ? 'crashed' : state, message: message ?? `container ${containerName(sidecar.labels)} is ${sidecar.status}` };
    }
    return own;
  }

  /** The sidecars of a replica's first container, as the engine has them now. */
  private async sidecarsNow(first: Container): Promise<Container[]> {
    const infos = await this.engine('list containers', () => this.#docker.listContainers({ all: true, filters: labelFilter(this.ctx.target, first.labels.key, first.labels) }));
    const inspected = await Promise.all(infos.map((info) => this.inspect(info.Id)));
    return inspected.filter((c): c is Container => c !== undefined && c.labels.sidecar !== undefined);
  }

  /** Runs a probe: HTTP on this machine, or the command in the container (exit status 0 passes). */
  private async runProbe(container: Pick<Container, 'id' | 'labels'>, probe: HostProbe): Promise<boolean> {
    const timeoutMs = probe.timeoutSeconds * 1000;
    if ('path' in probe) return this.#probe(probe.port, probe.path, timeoutMs, probe.headers);
    const what = `exec in ${containerName(container.labels)}`;
    const exec = await this.engine(what, () => this.#docker.getContainer(container.id).exec({ Cmd: [...probe.exec], AttachStdout: true, AttachStderr: true }));
    // Read attached to the end: Podman reports a detached exec as running long after it ended.
    const stream = await this.engine(what, () => exec.start({ hijack: true, stdin: false }).catch(falseWhenNotStarted));
    if (!stream) return false;
    const ended = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        stream.destroy();
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once('end', done).once('close', done).once('error', done).resume();
    });
    if (!ended) return false;
    const { Running, ExitCode } = await this.engine(what, () => exec.inspect());
    return !Running && ExitCode === 0;
  }

  /** The target's containers (of one unit, with `key`), inspected. Containers without readable labels are not Slipway's. */
  private async containers(key?: UnitKey): Promise<Container[]> {
    const infos: ContainerInfo[] = await this.engine('list containers', () => this.#docker.listContainers({ all: true, filters: labelFilter(this.ctx.target, key) }));
    const inspected = await Promise.all(infos.map((info) => this.inspect(info.Id)));
    return inspected.filter((c): c is Container => c !== undefined);
  }

  /** The container as the engine sees it now; undefined when it is gone or not Slipway's. */
  private async inspect(id: string): Promise<Container | undefined> {
    const info = await this.engine(`inspect ${id}`, () => this.#docker.getContainer(id).inspect().catch(undefinedWhenGone));
    const labels = decodeLabels(info?.Config.Labels);
    if (!info || !labels) return undefined;
    const running = info.State.Running;
    return {
      id: info.Id,
      labels,
      status: info.State.Status,
      ...(running && info.State.Pid > 0 ? { pid: info.State.Pid } : {}),
      restarts: info.RestartCount + (labels.sidecar === undefined ? (this.#livenessRestarts.get(containerName(labels)) ?? 0) : 0),
      exitCode: info.State.ExitCode,
      ...(running ? { startedAt: new Date(info.State.StartedAt) } : {}),
      lastStartedAt: new Date(info.State.StartedAt),
    };
  }

  /**
   * Makes sure every image of the unit's containers is on the engine, before any container is
   * touched: a missing one pinned by digest is pulled; a missing one named by tag fails the apply,
   * naming it. Blocks while pulling, telling `onProgress`; aborting `signal` stops the pull.
   */
  private async ensureImages(unit: DesiredUnit, { signal, onProgress }: ApplyOptions): Promise<void> {
    const images = new Set([containerCommand(unit.workload).image, ...Object.values(unit.workload.sidecars ?? {}).map((sidecar) => sidecar.image)]);
    for (const image of images) {
      if (await this.hasImage(image)) continue;
      const registry = pinnedRegistry(image);
      if (registry === undefined) {
        throw new RuntimeError(
          `${unitId(unit)}: image ${image} is not on the container engine of target ${this.ctx.target}, and Slipway pulls only images pinned by digest: ` +
            'name it by digest (<registry>/<name>@sha256:<hex>), or load or build it there first',
        );
      }
      onProgress?.(`${unitId(unit)}: pulling image ${image}`);
      await this.pull(unit, image, registry, signal);
    }
  }

  private async hasImage(image: string): Promise<boolean> {
    return (await this.engine(`inspect image ${image}`, () => this.#docker.getImage(image).inspect().catch(undefinedWhenGone))) !== undefined;
  }

  /**
   * Pulls `image` (pinned by digest) from `registry` with the project's login for it, if any, and
   * follows the engine's progress to the end. Throws a `RuntimeError` naming the image and the
   * registry when the pull fails (a refused login, a registry down); its message never holds the
   * password, and it carries no cause that could.
   */
  private async pull(unit: DesiredUnit, image: string, registry: string, signal?: AbortSignal): Promise<void> {
    let login: RegistryCredentials | undefined;
    try {
      login = await this.ctx.registryLogin?.(registry);
    } catch (error) {
      throw new RuntimeError(`${unitId(unit)}: cannot pull image ${image}: the login for its registry cannot be read: ${errorMessage(error)}`);
    }
    const hide = (text: string) => (login && login.password.length > 0 ? text.split(login.password).join('[redacted]') : text);
    const failed = (why: string) =>
      new RuntimeError(
        `${unitId(unit)}: pulling image ${image} from registry ${registry} onto the container engine of target ${this.ctx.target} failed ` +
          `(${login ? `as ${login.username}` : 'without a login: the project has none for it under registries'}): ${hide(why)}`,
      );
    const authconfig = login && { username: login.username, password: login.password, serveraddress: registry };
    try {
      const stream = await this.#docker.pull(image, { ...(authconfig && { authconfig }), ...(signal && { abortSignal: signal }) });
      const events = await new Promise<{ error?: unknown }[]>((resolve, reject) =>
        this.#docker.modem.followProgress(stream, (error: unknown, output: { error?: unknown }[]) => (error ? reject(error) : resolve(output))),
      );
      const refused = events.find((event) => event.error !== undefined);
      if (refused) throw new Error(String(refused.error));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = hide(`container engine of target ${this.ctx.target}: pull ${image} failed: ${errorMessage(error)}`);
      if (typeof code === 'string' && UNREACHABLE.has(code)) throw new EngineUnreachableError(message);
      throw failed(errorMessage(error));
    }
    if (!(await this.hasImage(image))) throw failed('the engine reported no error, yet the image is not on it');
  }

  /** Stops (SIGTERM, then SIGKILL after the grace period) and removes a container, then its files. Idempotent. */
  private async removeContainer(found: Pick<Container, 'id' | 'labels'>): Promise<void> {
    const { id } = found;
    this.#liveness.stop(id);
    if (found.labels.sidecar === undefined) this.#livenessRestarts.delete(containerName(found.labels));
    const container = this.#docker.getContainer(id);
    await this.engine(`stop ${id}`, () => container.stop({ t: STOP_GRACE_SECONDS }).catch(ignoreNotModified).catch(undefinedWhenGone));
    await this.engine(`remove ${id}`, () => container.remove({ force: true }).catch(undefinedWhenGone));
    await rm(join(this.ctx.stateDir, 'files', containerName(found.labels)), { recursive: true, force: true });
  }

  /** Removes each of these replicas' generations: of each, its sidecars (which use its network) and then its first container. */
  private async removeGenerations(containers: readonly Container[]): Promise<void> {
    await Promise.all(containers.filter((c) => c.labels.sidecar === undefined).map((c) => this.removeGeneration(c.labels.key, c.labels)));
    // Sidecars left without their first container.
    await Promise.all(containers.filter((c) => c.labels.sidecar !== undefined && !containers.some((m) => m.labels.sidecar === undefined && m.labels.replica === c.labels.replica && m.labels.generation === c.labels.generation)).map((c) => this.removeContainer(c)));
  }

  /** Removes one generation of one replica, as the engine has it now: sidecars first. Idempotent. */
  private async removeGeneration(key: UnitKey, generation: Pick<InstanceLabels, 'replica' | 'generation'>): Promise<void> {
    const infos = await this.engine('list containers', () => this.#docker.listContainers({ all: true, filters: labelFilter(this.ctx.target, key, generation) }));
    const found = (await Promise.all(infos.map((info) => this.inspect(info.Id)))).filter((c): c is Container => c !== undefined);
    await Promise.all(found.filter((c) => c.labels.sidecar !== undefined).map((c) => this.removeContainer(c)));
    await Promise.all(found.filter((c) => c.labels.sidecar === undefined).map((c) => this.removeContainer(c)));
  }

  /**
   * The followed logs of each container in `first` from its last `tail` lines, then, every
   * FOLLOW_POLL_MS until `signal` aborts, of each container of the unit created since (from its
   * first line) or that ran again after its read ended (from the last entry that read had; or,
   * when it had none, from the second it began, by this machine's clock, which the engine's must share).
   */
  private async *followedLogs(key: UnitKey, first: readonly Container[], tail: number, signal: AbortSignal): AsyncGenerator<AsyncIterable<LogLine>> {
    /** How to read each container again, once its read has ended; undefined while it is read. */
    const ended = new Map<string, { readonly since: string; readonly after: LogMark | undefined; readonly at: number } | undefined>();
    const follow = (container: Container, from: Pick<LogRead, 'tail' | 'since' | 'after'>) => {
      const began = Date.now();
      ended.set(container.id, undefined);
      // Without a mark, from the whole second the read began: engines that time entries to the second
      // (Podman 4.3) would otherwise drop the entries of that second written after it began.
      const onEnd = (mark: LogMark | undefined) => ended.set(container.id, { since: (mark && sinceOf(mark.time)) ?? String(Math.floor(began / 1000)), after: mark, at: Date.now() });
      return this.containerLogs(container, { ...from, follow: true, signal, onEnd });
    };
    for (const container of first) yield follow(container, { tail });
    for (;;) {
      await delay(FOLLOW_POLL_MS, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      for (const container of await this.containers(key)) {
        if (!ended.has(container.id)) {
          yield follow(container, {});
          continue;
        }
        const end = ended.get(container.id);
        const ranAgain = end !== undefined && (container.status === 'running' || container.lastStartedAt.getTime() > end.at);
        if (ranAgain) yield follow(container, { since: end.since, after: end.after });
      }
    }
  }

  /**
   * One container's output as lines, named by its instance. Ends when the engine ends the answer
   * (a tail read; a stopped or removed container) or the signal aborts, which closes the
   * connection. Throws a `RuntimeError` when the engine fails otherwise.
   */
  private async *containerLogs(container: Container, read: LogRead): AsyncGenerator<LogLine> {
    const { after, signal, onEnd, ...request } = read;
    const instance = `${instanceId(container.labels.key, container.labels.replica)}${container.labels.sidecar ? `/${container.labels.sidecar}` : ''}`;
    const reader = new LogReader(after);
    const options = { stdout: true, stderr: true, timestamps: true, ...request, ...(signal ? { abortSignal: signal } : {}) };
    try {
      const answer = await this.engine(`logs of ${containerName(container.labels)}`, () => readLogs(this.#docker.getContainer(container.id), options).catch(undefinedWhenGone));
      if (!answer) return;
      for await (const chunk of Buffer.isBuffer(answer) ? [answer] : answer) {
        for (const output of reader.push(chunk as Buffer)) yield { instance, ...output };
      }
      for (const output of reader.end()) yield { instance, ...output };
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      onEnd?.(reader.mark);
    }
  }

  /** The container's last output lines, for a failure message; empty when they cannot be read. */
  private async logTail(container: Container | undefined): Promise<string[]> {
    const lines: string[] = [];
    if (!container) return lines;
    try {
      for await (const { line } of this.containerLogs(container, { tail: FAILURE_TAIL_LINES })) lines.push(line);
    } catch {
      // the failure message does without
    }
    return lines;
  }

  /** Runs one engine call; its failure becomes a `RuntimeError` naming the target and the operation. */
  private async engine<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const message = `container engine of target ${this.ctx.target}: ${operation} failed: ${errorMessage(error)}`;
      const code = (error as { code?: unknown }).code;
      throw typeof code === 'string' && UNREACHABLE.has(code) ? new EngineUnreachableError(message, { cause: error }) : new RuntimeError(message, { cause: error });
    }
  }

  private assertOpen(): void {
    if (this.#closed) throw new RuntimeError(`container runtime of target ${this.ctx.target} is closed`);
  }
}

/** dockerode answers a tail read with the whole body, a followed one with a stream. */
function readLogs(container: Dockerode.Container, options: ContainerLogsOptions): Promise<Buffer | NodeJS.ReadableStream> {
  return options.follow ? container.logs({ ...options, follow: true }) : container.logs({ ...options, follow: false });
}

function byReplicaThenGeneration(a: Container, b: Container): number {
  return a.labels.replica - b.labels.replica || a.labels.generation - b.labels.generation;
}

function observeInstance(container: Container, { state, message }: InstanceCondition): ObservedInstance {
  const { labels } = container;
  return {
    id: instanceId(labels.key, labels.replica),
    replica: labels.replica,
    state,
    release: labels.release,
    configHash: labels.configHash,
    // Ports are published on this machine (`createOptions`).
    host: LOOPBACK,
    ...(container.pid !== undefined ? { pid: container.pid } : {}),
    ports: labels.ports,
    restarts: container.restarts,
    ...(container.startedAt ? { startedAt: container.startedAt } : {}),
    ...(state === 'ready' ? {} : { message: message ?? `container ${containerName(labels)} is ${container.status}${container.status === 'exited' ? ` (exit code ${container.exitCode})` : ''}` }),
  };
}

/** The engine answers 404 for a container or image that does not exist (any more). */
/**
 * Undefined for "no such container / image": 404, or the 500 Podman answers when the container
 * was removed between a list and an inspect ("no such container"). Anything else is thrown.
 */
export function undefinedWhenGone(error: unknown): undefined {
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  if (statusCode === 404 || (statusCode === 500 && /no such (container|object|image)/i.test(message ?? ''))) return undefined;
  throw error;
}

/** The engine answers 304 when asked to stop a container that is not running. */
function ignoreNotModified(error: unknown): void {
  if ((error as { statusCode?: number }).statusCode !== 304) throw error;
}

/** The sidecars of `first` among `containers`: of its replica and generation. */
function sidecarsOf(first: Container, containers: readonly Container[]): Container[] {
  return containers.filter((c) => c.labels.sidecar !== undefined && c.labels.replica === first.labels.replica && c.labels.generation === first.labels.generation);
}

/** A step that ran to completion: exited with status 0. */
function finishedStep(container: Container): boolean {
  return container.labels.step === true && container.status === 'exited' && container.exitCode === 0;
}

/** The containers that are no step: they keep running. */
function keptRunning(containers: readonly Container[]): Container[] {
  return containers.filter((c) => !c.labels.step);
}

/** True when every step `first`'s labels name is among `containers` and finished. */
function stepsDone(first: Container, containers: readonly Container[]): boolean {
  const finished = new Set(sidecarsOf(first, containers).filter(finishedStep).map((c) => c.labels.sidecar));
  return (first.labels.steps ?? []).every((name) => finished.has(name));
}

/** The sidecars `first`'s labels name that are not among `containers`. */
function missingSidecars(first: Container, containers: readonly Container[]): string[] {
  const present = new Set(sidecarsOf(first, containers).map((c) => c.labels.sidecar));
  return (first.labels.sidecars ?? []).filter((name) => !present.has(name));
}

/** The engine answers 500 (or 404) when a probe's command cannot be started in the container: the probe fails. */
function falseWhenNotStarted(error: unknown): false {
  const { statusCode } = error as { statusCode?: number };
  if (statusCode === 500 || statusCode === 404) return false;
  throw error;
}

/** Running sidecars that started before `first` last started: they hold the network namespace it had before. */
function staleSidecars(first: Container, sidecars: readonly Container[]): Container[] {
  const since = first.startedAt?.getTime();
  return since === undefined ? [] : sidecars.filter((c) => c.startedAt !== undefined && c.startedAt.getTime() < since);
}
