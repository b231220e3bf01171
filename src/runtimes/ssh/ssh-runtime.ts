/**
 * The `ssh` runtime: units run on Linux hosts reached over SSH, supervised on the host (systemd,
 * or a shell supervisor where there is none), so they outlive the orchestrator and its link.
 *
 * Replica r runs on host r mod n (see `placement.ts`). An apply reads every host at once, uploads
 * the release to each host that lacks it (in parallel; every upload is complete before any host
 * changes), then rolls over the hosts that need a change in batches of `batchSize`, all of it over
 * one channel per host (`session.ts`), the one an observation listed the host on moments before when
 * there is one (`parked-sessions.ts`): take the host out of HAProxy (drain, wait for its sessions to
 * end), switch `current`, stop the old instances, start the new ones, wait until they are ready, put
 * the host back and wait until HAProxy's own check sees it up. A host whose new release does not
 * become ready is restored to the old one and the rollout halts before the next batch. A host that
 * cannot be reached is left as it is (drained, if it was) while the other hosts are rolled; either
 * way apply throws a `RuntimeError` naming the host, and applying again converges it.
 *
 * The unit records (what each unit last fully converged to) live in the target's state directory;
 * instances are read from the hosts on every observe, so a restart of the orchestrator loses nothing.
 */
import { createHash } from 'node:crypto';
import { processCommand, processProbe } from '../kit/process-workload.js';
import type { DesiredUnit, ObservedInstance, ObservedUnit, UnitKey } from '../../desired/types.js';
import { compareUnitKeys, unitId } from '../../desired/types.js';
import { errorMessage, PartialRolloutError, RuntimeError } from '../../errors.js';
import { KeyedLock } from '../../keyed-lock.js';
import { unitHealth } from '../kit/health.js';
import { instanceEnv } from '../kit/instance-env.js';
import { LineSplitter } from '../kit/lines.js';
import { unitKey, unitSlug } from '../kit/names.js';
import { probePort } from '../kit/ports.js';
import { reportUnusable, StateDir, type UnitRecord } from '../kit/state-files.js';
import type { ApplyOptions, LogLine, LogSource, LogsOptions, RuntimeAdapter, RuntimeContext, WarmContext, Watchable, WatchEvent, Watching } from '../types.js';
import { HostKeyRejectedError, HostUnreachableError, SshPool, type ConnectFn, type ExecOptions, type SshEndpoint } from '../kit/ssh/connection.js';
import { packDirectory } from '../kit/ssh/archive.js';
import { HaproxyServerControl, sendToSocket, type HaproxySend } from './haproxy-api.js';
import { endpointOf, readLoginKeys } from '../kit/ssh/login.js';
import { batches, hostPorts, instanceDirName, releaseKey, replicasOn, unitDirName } from './placement.js';
import {
  assertSucceeded,
  removeScript,
  restoreScript,
  rollScript,
  tailScript,
  type InstanceFiles,
  type Inventory,
  type RemoteInstance,
} from './remote.js';
import { HostSession } from './session.js';
import { ParkedSessions, unrefTimer, type ReadStamp, type SetTimer } from './parked-sessions.js';
import { HostWatcher } from './watcher.js';
import { keepWarmStart, takeWarmStart, type WarmSession } from './warm-starts.js';
import { shQuote } from '../kit/ssh/quote.js';
import { envFile, runScript } from './shell.js';
import type { SshTarget } from './settings.js';
import { trace } from '../../trace.js';

/** Side effects, replaceable in tests. */
export interface SshRuntimeDeps {
  readonly connect?: ConnectFn;
  readonly haproxy?: HaproxySend;
  readonly readFile?: (path: string) => Promise<Buffer>;
  /** A tar archive of a directory's content. */
  readonly pack?: (dir: string) => Promise<Buffer>;
  readonly now?: () => number;
  /** Expires the sessions an observation parked for the apply that follows, and those warm opened (an unref'd `setTimeout` by default). */
  readonly setTimer?: SetTimer;
}

/** One host of the target, with its HAProxy server when the target has one. */
interface Host {
  readonly index: number;
  readonly baseDir: string;
  readonly endpoint: SshEndpoint;
  readonly haproxy: HaproxyServerControl | undefined;
}

/** What one host must do for one unit. */
interface HostPlan {
  readonly host: Host;
  readonly wanted: readonly number[];
  readonly start: readonly InstanceFiles[];
  /** Instances to stop: other configurations and replicas that no longer run here. */
  readonly stop: readonly RemoteInstance[];
  /** Running instances of the configuration that are not ready yet. */
  readonly wait: readonly string[];
  readonly needsUpload: boolean;
}

/**
 * Opens the runtime: reads the key files and the unit records. Connects to no host until asked,
 * but takes up the connections and sessions {@link warmSshRuntime} began for it.
 */
export async function openSshRuntime(settings: SshTarget, ctx: RuntimeContext, deps: SshRuntimeDeps = {}): Promise<SshRuntime> {
  const keys = await readLoginKeys(settings, ctx.target, deps.readFile);
  const state = new StateDir(ctx.stateDir);
  await state.init();
  const { records: units, unusable } = await state.listUnits();
  reportUnusable(ctx, unusable);
  const send = deps.haproxy ?? sendToSocket;
  const hosts: Host[] = settings.hosts.map((h, index) => {
    const endpoint = endpointOf(settings, h, keys);
    const lb = settings.haproxy;
    const timings = { pollMs: 50, drainTimeoutMs: (lb?.drainTimeoutSeconds ?? 0) * 1000, upTimeoutMs: settings.readyTimeoutSeconds * 1000 };
    const haproxy = lb && new HaproxyServerControl(lb.socket, lb.backend, lb.servers[h.name] ?? h.name, timings, send);
    return { index, baseDir: h.baseDir ?? settings.baseDir, endpoint, haproxy };
  });
  const warm = takeWarmStart(warmKey(settings, ctx.stateDir));
  return new SshRuntime(settings, ctx, hosts, state, units, warm?.pool ?? new SshPool(deps.connect), warm?.sessions ?? new Map(), deps);
}

/** How long what {@link warmSshRuntime} began waits for the runtime to open, and then for a read to take its sessions. */
const WARM_KEPT_MS = 10_000;

/**
 * Logs in to every host of the target in the background and opens a session on each, changing
 * nothing, which with `readAhead` lists the host at once (else it waits), for the runtime
 * {@link openSshRuntime} opens next for the same settings and state directory (see
 * `warm-starts.ts`); returns what closes them if that runtime is not to open.
 */
export function warmSshRuntime(settings: SshTarget, ctx: WarmContext, deps: Pick<SshRuntimeDeps, 'connect' | 'now'> & { keptMs?: number } = {}): () => void {
  const start = { pool: new SshPool(deps.connect), sessions: new Map<number, WarmSession>() };
  const warm = keepWarmStart(warmKey(settings, ctx.stateDir), start, deps.keptMs ?? WARM_KEPT_MS);
  const now = deps.now ?? Date.now;
  const begin = async (endpoint: SshEndpoint, baseDir: string, index: number) => {
    await start.pool.dial(endpoint);
    if (!warm.kept) return;
    const session = openSession(start.pool, endpoint, baseDir);
    const listedAt = ctx.readAhead ? now() : undefined;
    if (ctx.readAhead) session.inventory().catch(() => undefined); // the read that takes it meets any failure
    start.sessions.set(index, { session, listedAt });
  };
  readLoginKeys(settings, ctx.target)
    .then(async (keys) => {
      if (warm.kept) await Promise.allSettled(settings.hosts.map((h, i) => begin(endpointOf(settings, h, keys), h.baseDir ?? settings.baseDir, i)));
    })
    .catch(() => undefined); // a key file that cannot be read: opening the target says so
  return warm.drop;
}

/** A session on the host at `endpoint` over `pool`, opened at once (see `session.ts`). */
function openSession(pool: SshPool, endpoint: SshEndpoint, baseDir: string): HostSession {
  return new HostSession(endpoint.name, (script, options) => pool.exec(endpoint, `sh -c ${shQuote(script)}`, options), baseDir);
}

function warmKey(settings: SshTarget, stateDir: string): string {
  return `${stateDir}\n${JSON.stringify(settings)}`;
}

export class SshRuntime implements RuntimeAdapter, LogSource, Watchable {
  readonly kind = 'ssh';
  /** The host's supervisor (or systemd) restarts a crashed instance. */
  readonly restartsInstances = true;
  readonly #pool: SshPool;
  readonly #units = new Map<string, UnitRecord>();
  readonly #lock = new KeyedLock();
  readonly #pack: (dir: string) => Promise<Buffer>;
  readonly #now: () => number;
  /** The sessions observe last listed each host with, kept open for an apply that follows at once. */
  readonly #parked: ParkedSessions<HostSession>;
  /**
   * Sessions {@link warmSshRuntime} opened, by host index: the next read or change of the host takes
   * its one, but one that listed its host as it opened serves only the first read, and only while no
   * change has begun and the listing is at most {@link PARKED_SESSION_MS} old.
   */
  readonly #opened: Map<number, WarmSession>;
  readonly #watches = new Set<Watching>();
  #closed = false;

  /** Use {@link openSshRuntime}. */
  constructor(
    private readonly settings: SshTarget,
    private readonly ctx: RuntimeContext,
    private readonly hosts: readonly Host[],
    private readonly state: StateDir,
    units: readonly UnitRecord[],
    pool: SshPool,
    opened: Map<number, WarmSession>,
    deps: SshRuntimeDeps,
  ) {
    this.#pool = pool;
    this.#opened = opened;
    // What no read takes up soon would hold a shell on its host for nothing.
    if (opened.size) (deps.setTimer ?? unrefTimer)(() => this.endOpened(), WARM_KEPT_MS);
    this.#pack = deps.pack ?? packDirectory;
    this.#now = deps.now ?? Date.now;
    this.#parked = new ParkedSessions(PARKED_SESSION_MS, this.#now, deps.setTimer);
    for (const unit of units) this.#units.set(unitSlug(unit.key), unit);
  }

  /**
   * Rolls the unit out over the hosts as described in the module comment; idempotent. Resolves
   * once every host runs it ready. Throws a `RuntimeError` naming the hosts it could not reach or
   * the host where the release did not become ready (which is left on its previous release).
   */
  apply(unit: DesiredUnit, options: ApplyOptions = {}): Promise<void> {
    return this.changing(unit, async (parked) => {
      const sessions = this.hosts.map((host) => parked.get(host.index) ?? this.session(host));
      try {
        const unreachable: HostUnreachableError[] = [];
        const plans: HostPlan[] = [];
        /** Packed once, when the first host turns out to lack the release. */
        let archive: Promise<Buffer> | undefined;
        const prepared = await Promise.allSettled(
          this.hosts.map(async (host) => {
            const session = sessions[host.index]!;
            const plan = this.planHost(unit, host, await session.inventory());
            trace(`ssh apply: ${host.endpoint.name} read`);
            if (plan.needsUpload) await session.upload(releaseKey(unit), await (archive ??= this.#pack(unit.workload.workingDir)), `upload of release ${unit.release.version}`);
            trace(`ssh apply: ${host.endpoint.name} has the release`);
            return plan;
          }),
        );
        for (const result of prepared) {
          if (result.status === 'fulfilled') plans.push(result.value);
          else unreachable.push(asUnreachable(result.reason));
        }
        const rolling = plans.filter((p) => p.start.length || p.stop.length || p.wait.length);
        for (const plan of plans) if (!rolling.includes(plan)) void sessions[plan.host.index]!.end();
        let failure: unknown;
        for (const batch of batches(rolling, this.settings.batchSize)) {
          options.signal?.throwIfAborted();
          const results = await Promise.allSettled(batch.map((plan) => this.rollHost(unit, plan, sessions[plan.host.index]!).finally(() => trace(`ssh apply: ${plan.host.endpoint.name} rolled`))));
          results.forEach((r, i) => {
            const host = batch[i]!.host.endpoint.name;
            if (r.status === 'fulfilled') options.onProgress?.(`${unitId(unit)}: host ${host} runs release ${unit.release.version}`);
            else if (r.reason instanceof HostUnreachableError) unreachable.push(r.reason);
            else failure ??= r.reason;
          });
          if (failure) throw failure;
        }
        if (unreachable.length) {
          const names = unreachable.map((e) => e.host).join(', ');
          throw new PartialRolloutError(
            `${unitId(unit)}: ${unreachable.length === 1 ? 'host' : 'hosts'} ${names} unreachable, left as they were; the other hosts run release ${unit.release.version}\n${unreachable.map((e) => e.message).join('\n')}`,
            unreachable.map((e) => e.host),
          );
        }
      } finally {
        await Promise.all(sessions.map((s) => s.end()));
      }
      const record: UnitRecord = { key: unitKey(unit), release: unit.release, configHash: unit.configHash, replicas: unit.replicas };
      await this.state.saveUnit(record);
      this.#units.set(unitSlug(unit), record);
    });
  }

  /** Stops and deletes the unit on every host. Idempotent; throws naming the hosts it could not reach. */
  remove(key: UnitKey, _options: ApplyOptions = {}): Promise<void> {
    return this.changing(key, async () => {
      const results = await Promise.allSettled(this.hosts.map((h) => this.exec(h, removeScript(h.baseDir, unitDir(h, key), this.settings.keepReleases))));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${this.hosts[i]!.endpoint.name}: ${errorMessage(r.reason)}`] : []));
      results.forEach((r, i) => r.status === 'fulfilled' && assertSucceeded(r.value, this.hosts[i]!.endpoint.name, `removal of ${unitId(key)}`));
      if (failed.length) throw new RuntimeError(`${unitId(key)}: not removed from every host:\n${failed.join('\n')}`);
      await this.state.deleteUnit(key);
      this.#units.delete(unitSlug(key));
    });
  }

  /**
   * Every unit with a record or an instance on a host, in key order. Reads every host at once; a
   * host that cannot be reached is reported as instances in state `unhealthy` with message
   * `unreachable` (or `host key rejected`) for the replicas placed on it, never thrown.
   */
  async observe(): Promise<ObservedUnit[]> {
    const inventories = await this.inventories();
    const found = new Map<string, { host: Host; instance: RemoteInstance }[]>();
    for (const host of this.hosts) {
      const inventory = inventories[host.index]!;
      if (inventory instanceof HostUnreachableError) continue;
      for (const instance of inventory.instances) {
        if (instance.meta.key.target !== this.ctx.target) continue;
        const slug = unitSlug(instance.meta.key);
        found.set(slug, [...(found.get(slug) ?? []), { host, instance }]);
      }
    }
    const slugs = new Set([...this.#units.keys(), ...found.keys()]);
    return [...slugs]
      .map((slug) => {
        const here = found.get(slug) ?? [];
        const newest = [...here].sort((a, b) => b.instance.meta.startedAt - a.instance.meta.startedAt)[0]?.instance.meta;
        const unit = this.#units.get(slug) ?? { key: unitKey(newest!.key), release: newest!.release, configHash: newest!.configHash, replicas: new Set(here.map((f) => f.instance.meta.replica)).size };
        const instances: ObservedInstance[] = here.map(({ host, instance }) => observeInstance(unit.key, host, instance));
        for (const host of this.hosts) {
          const lost = inventories[host.index];
          if (!(lost instanceof HostUnreachableError)) continue;
          const message = lost instanceof HostKeyRejectedError ? 'host key rejected' : 'unreachable';
          // What runs there is unknown: the replicas placed on it are reported on the unit's release.
          for (const replica of replicasOn(host.index, unit.replicas, this.hosts.length)) {
            const { release, configHash } = unit;
            instances.push({ id: instanceName(unit.key, replica, host), replica, state: 'unhealthy', release, configHash, host: host.endpoint.address, ports: {}, restarts: 0, message });
          }
        }
        instances.sort((a, b) => a.replica - b.replica || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        return {
          ...unit.key,
          release: unit.release,
          configHash: unit.configHash,
          replicas: unit.replicas,
          instances,
          health: unitHealth(unit, instances, this.#lock.busy(slug)),
        };
      })
      .sort(compareUnitKeys);
  }

  /**
   * Watches every host over one channel each (`watcher.ts`): tells `changed` when a supervisor on a
   * host notes an instance starting, exiting, becoming ready or stopping (so also a release switched,
   * which stops the old instances and starts the new), `linked` for each host once its watcher
   * runs, `lost` when it cannot be reached or its connection stops answering keepalives (the link's
   * heartbeat: one SSH keepalive a second, which starts no process on the host). Nothing runs on a
   * host between changes but its watcher (`sh` waiting on `tail -F`). The watcher is named after the
   * target's state directory, so the one a broken link left behind is ended by the next.
   */
  watch(listener: (event: WatchEvent) => void): Watching {
    if (this.#closed) return { stop: async () => {} };
    const id = createHash('sha256').update(this.ctx.stateDir).digest('hex').slice(0, 12);
    const watchers = this.hosts.map((host) => new HostWatcher(host.endpoint.name, host.baseDir, this.ctx.target, id, (script, options) => this.exec(host, script, options), listener));
    const watching: Watching = {
      stop: async () => {
        this.#watches.delete(watching);
        await Promise.all(watchers.map((watcher) => watcher.stop()));
      },
    };
    this.#watches.add(watching);
    return watching;
  }

  /** Stops every watch, ends the parked sessions and closes the connections; instances keep running on their hosts. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.endOpened();
    const parked = this.#parked.close();
    await Promise.all([...this.#watches].map((watching) => watching.stop()));
    await this.#pool.close();
    await parked;
  }

  /**
   * The last `tail` lines (default 100) of each instance of the unit's configuration, then, with
   * `follow`, lines as they are written, until `signal` aborts. Hosts that cannot be reached are skipped.
   */
  async *logs(key: UnitKey, options: LogsOptions = {}): AsyncGenerator<LogLine> {
    const { tail = 100, follow = false, signal } = options;
    const record = this.#units.get(unitSlug(key));
    const inventories = await this.inventories();
    const sources = this.hosts.flatMap((host) => {
      const inventory = inventories[host.index];
      if (!inventory || inventory instanceof HostUnreachableError) return [];
      return inventory.instances
        .filter((i) => unitSlug(i.meta.key) === unitSlug(key) && (!record || i.meta.configHash === record.configHash))
        .map((i) => ({ host, instance: i }));
    });
    const queue: LogLine[] = [];
    let wake: (() => void) | undefined;
    let open = sources.length;
    for (const { host, instance } of sources) {
      const name = instanceName(key, instance.meta.replica, host);
      const splitter = new LineSplitter();
      const take = (lines: string[]) => {
        for (const line of lines) queue.push({ instance: name, stream: 'output', line });
        wake?.();
      };
      void this.exec(host, tailScript(`${instance.dir}/output.log`, tail, follow), { onStdout: (chunk) => take(splitter.push(chunk)), ...(signal ? { signal } : {}) })
        .catch(() => undefined)
        .finally(() => {
          open--;
          take(splitter.end());
        });
    }
    while (open > 0 || queue.length) {
      if (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (queue.length) yield queue.shift()!;
      if (signal?.aborted) return;
    }
  }

  /** What `host` must do so that it runs its share of `unit` (pure, from its inventory). */
  private planHost(unit: DesiredUnit, host: Host, inventory: Inventory): HostPlan {
    const slug = unitSlug(unit);
    const dirOfUnit = unitDir(host, unit);
    const mine = inventory.instances.filter((i) => unitSlug(i.meta.key) === slug && i.meta.key.target === unit.target);
    const taken = new Set([...inventory.listening, ...inventory.instances.flatMap((i) => Object.values(i.meta.ports))]);
    const wanted = replicasOn(host.index, unit.replicas, this.hosts.length);
    const releaseDir = `${host.baseDir}/releases/${releaseKey(unit)}`;
    const keep = new Set<string>();
    const start: InstanceFiles[] = [];
    const wait: string[] = [];
    wanted.forEach((replica, slot) => {
      const dir = `${dirOfUnit}/${instanceDirName(replica, unit.configHash)}`;
      const existing = mine.find((i) => i.dir === dir);
      keep.add(dir);
      if (existing?.alive) {
        if (!existing.ready) wait.push(dir);
        return;
      }
      const ports = existing?.meta.ports ?? hostPorts(unit.workload.ports, slot, taken);
      start.push(this.instanceFiles(unit, replica, dir, releaseDir, ports, existing?.meta.startedAt));
    });
    const stop = mine.filter((i) => !keep.has(i.dir));
    return { host, wanted, start, stop, wait, needsUpload: start.length > 0 && !inventory.releases.has(releaseKey(unit)) };
  }

  private instanceFiles(unit: DesiredUnit, replica: number, dir: string, releaseDir: string, ports: Record<string, number>, startedAt?: number): InstanceFiles {
    const { workload } = unit;
    const probe = processProbe(workload.readinessProbe);
    const probeTo = probe && probePort(probe.httpGet.port, workload.ports, ports);
    return {
      dir,
      releaseDir,
      meta: { key: unitKey(unit), release: unit.release, configHash: unit.configHash, replica, ports, startedAt: startedAt ?? this.#now() },
      env: envFile(instanceEnv(unit, replica, ports, {})),
      run: runScript(dir, releaseDir, processCommand(workload), workload.args),
      probe: probe && probeTo !== undefined ? `${probeTo} ${probe.timeoutSeconds} ${probe.httpGet.path}` : '',
    };
  }

  /** Drains the host, rolls it, puts it back; restores it when the new instances do not become ready. */
  private async rollHost(unit: DesiredUnit, plan: HostPlan, session: HostSession): Promise<void> {
    const { host } = plan;
    const name = host.endpoint.name;
    const changing = plan.start.length > 0 || plan.stop.length > 0;
    const lb = changing ? host.haproxy : undefined;
    const readyTimeoutSeconds = this.settings.readyTimeoutSeconds;
    const dirOfUnit = unitDir(host, unit);
    await lb?.drain();
    const stop = plan.stop.map((i) => i.dir);
    const rolled = await session.run(rollScript({ baseDir: host.baseDir, keepReleases: this.settings.keepReleases, unitDir: dirOfUnit, ...(plan.start.length ? { releaseDir: plan.start[0]!.releaseDir } : {}), stop, start: plan.start, wait: plan.wait, readyTimeoutSeconds }));
    if (rolled.code !== 0) {
      const started = plan.start.map((s) => s.dir);
      const stopped = plan.stop.filter((i) => i.alive).map((i) => i.dir);
      const restored = await this.exec(host, restoreScript({ unitDir: dirOfUnit, started, stopped, readyTimeoutSeconds }));
      if (restored.code === 0 && stopped.length) await lb?.ready();
      const outcome = restored.code === 0 ? 'it runs its previous release again' : `restoring its previous release failed too: ${restored.stderr.trim()}`;
      throw new RuntimeError(`${unitId(unit)}: release ${unit.release.version} did not become ready on host ${name}; ${outcome}\n${rolled.stderr.trim()}`);
    }
    if (lb && plan.wanted.length) await lb.ready();
  }

  /**
   * Every host's inventory, or the error that says it could not be reached. Other errors are thrown.
   * Each host is listed by a session of its own, parked for an apply that follows (see
   * `parked-sessions.ts`) unless the target is watched: then deployments plan from the observe
   * loop's kept observation, and a session parked by the loop's reads would only hold a shell on
   * each host for nothing. Watched or not, the first read may take a listing warm read ahead (see
   * {@link #opened}).
   */
  private inventories(): Promise<(Inventory | HostUnreachableError)[]> {
    const begun = this.#parked.reading();
    const parks = this.#watches.size === 0;
    return Promise.all(
      this.hosts.map(async (host) => {
        const { session, read } = this.sessionToRead(host, begun);
        try {
          const inventory = await session.inventory();
          trace(`ssh observe: ${host.endpoint.name} read`);
          this.#parked.park(host.index, session, parks ? read : undefined);
          return inventory;
        } catch (error) {
          void session.end();
          if (error instanceof HostUnreachableError) return error;
          throw error;
        }
      }),
    );
  }

  /** A session on `host` for a change (see `session.ts`): the one warm opened when it has listed nothing yet, else one opened now. */
  private session(host: Host): HostSession {
    return this.takeOpened(host, (opened) => opened.listedAt === undefined)?.session ?? this.newSession(host);
  }

  private newSession(host: Host): HostSession {
    return openSession(this.#pool, host.endpoint, host.baseDir);
  }

  /**
   * A session on `host` for a read begun at `stamp`, and the stamp of the read it serves: the one
   * warm opened, with its own listing's stamp when that may serve (see {@link #opened}), else one
   * opened now.
   */
  private sessionToRead(host: Host, stamp: ReadStamp | undefined): { session: HostSession; read: ReadStamp | undefined } {
    const fresh = (listedAt: number) => stamp?.changes === 0 && this.#now() - listedAt <= PARKED_SESSION_MS;
    const opened = this.takeOpened(host, ({ listedAt }) => listedAt === undefined || fresh(listedAt));
    if (opened?.listedAt === undefined) return { session: opened?.session ?? this.newSession(host), read: stamp };
    return { session: opened.session, read: { at: opened.listedAt, changes: 0 } };
  }

  /** Takes out the session warm opened on `host` if it is still open and `serves`; ends it otherwise. */
  private takeOpened(host: Host, serves: (opened: WarmSession) => boolean): WarmSession | undefined {
    const opened = this.#opened.get(host.index);
    this.#opened.delete(host.index);
    if (opened && !opened.session.closed && serves(opened)) return opened;
    void opened?.session.end();
    return undefined;
  }

  /** Ends the sessions warm opened that nothing took. */
  private endOpened(): void {
    for (const { session } of this.#opened.values()) void session.end();
    this.#opened.clear();
  }

  private exec(host: Host, script: string, options?: ExecOptions) {
    return this.#pool.exec(host.endpoint, `sh -c ${shQuote(script)}`, options);
  }

  /**
   * Runs the change `fn` after every earlier call for the same unit has settled, with the sessions
   * an observation listed the hosts with just before (by host index; see `parked-sessions.ts`), for
   * `fn` to continue; whichever it leaves open are ended once it settles.
   */
  private changing<T>(key: UnitKey, fn: (parked: ReadonlyMap<number, HostSession>) => Promise<T>): Promise<T> {
    return this.#lock.run(unitSlug(key), async () => {
      this.assertOpen();
      const parked = this.#parked.changing();
      try {
        return await fn(parked);
      } finally {
        await Promise.all([...parked.values()].map((session) => session.end()));
        this.#parked.changed();
      }
    });
  }

  private assertOpen(): void {
    if (this.#closed) throw new RuntimeError(`ssh runtime of target ${this.ctx.target} is closed`);
  }
}

/** How old an observation's session of a host may be for an apply to continue it instead of listing the host again. */
const PARKED_SESSION_MS = 5_000;

function asUnreachable(error: unknown): HostUnreachableError {
  if (error instanceof HostUnreachableError) return error;
  throw error;
}

function unitDir(host: Host, key: UnitKey): string {
  return `${host.baseDir}/units/${unitDirName(key)}`;
}

/** `<environment>.<service>.<replica>@<host>`. */
function instanceName(key: UnitKey, replica: number, host: Host): string {
  return `${unitSlug(key)}.${replica}@${host.endpoint.name}`;
}

/** An instance found on `host`; its ports answer on the address the SSH connection uses. */
function observeInstance(key: UnitKey, host: Host, instance: RemoteInstance): ObservedInstance {
  const state = !instance.alive ? 'stopped' : instance.ready ? 'ready' : instance.pid === 0 ? 'crashed' : 'unhealthy';
  return {
    id: instanceName(key, instance.meta.replica, host),
    replica: instance.meta.replica,
    state,
    release: instance.meta.release,
    configHash: instance.meta.configHash,
    host: host.endpoint.address,
    ...(instance.pid ? { pid: instance.pid } : {}),
    ports: instance.meta.ports,
    restarts: instance.restarts,
    startedAt: new Date(instance.meta.startedAt),
  };
}
