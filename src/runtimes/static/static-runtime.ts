/**
 * The `static` runtime: a unit's artifact directory (`workload.workingDir`) published as a site in
 * a web root (layout in `web-root.ts`), on this machine or on a host over SSH (`ssh` in the
 * target: `remote-site-files.ts`), switched live atomically, with the last
 * `keepReleases` releases kept for a rollback that is only a link switch. The workload's command,
 * arguments, environment and ports do not apply to a static site and are ignored.
 *
 * A site is one published copy whatever the number of replicas: `replicas` above zero are reported
 * as that many instances of it (the web server's workers serve it), and zero takes the site
 * offline (removes `current`, keeps the releases).
 *
 * Everything is read back from the web root itself, so nothing is lost when the orchestrator
 * restarts. observe() hashes the live release and compares it with the manifest written when it
 * was published: a file changed, added or removed by hand is reported as drift (instances
 * `unhealthy` with the message `drift: index.html changed`, unit `degraded`, and the files in
 * `drift`), and the next apply publishes a fresh copy and switches to it.
 */
import { isAbsolute } from 'node:path';
import { unitId } from '../../desired/types.js';
import type { DesiredUnit, ObservedInstance, ObservedUnit, UnitHealth, UnitKey } from '../../desired/types.js';
import { compareUnitKeys } from '../../desired/types.js';
import { errorMessage, RuntimeError } from '../../errors.js';
import { KeyedLock } from '../../keyed-lock.js';
import { LastSeen } from '../kit/last-seen.js';
import { instanceId, unitKey } from '../kit/names.js';
import { LOOPBACK } from '../kit/ports.js';
import type { ApplyOptions, RuntimeAdapter, RuntimeContext } from '../types.js';
import { HostKeyRejectedError, HostUnreachableError, SshPool, type ConnectFn } from '../kit/ssh/connection.js';
import { endpointOf, readLoginKeys } from '../kit/ssh/login.js';
import { describeDrift, diffHashes, type FileDrift } from './manifest.js';
import { RemoteSiteFiles } from './remote-site-files.js';
import type { StaticTarget } from './settings.js';
import { localSiteFiles, type SiteFiles } from './site-files.js';
import type { UnitRecord } from '../kit/state-files.js';
import { listUnitDirs, UnitDir } from './web-root.js';

/** Settings of a static target with `webRoot` absolute (the caller resolves it against the project file). */
export type StaticRuntimeSettings = Omit<StaticTarget, 'runtime'>;

/** An observed static site: `drift` lists what differs from the live release's manifest, when anything does. */
export interface StaticObservedUnit extends ObservedUnit {
  readonly drift?: readonly FileDrift[];
}

/** Side effects, replaceable in tests. */
export interface StaticRuntimeDeps {
  readonly connect?: ConnectFn;
}

/**
 * Opens the static runtime on a web root, creating nothing until the first apply (and, with
 * `ssh`, connecting to no host until then). Throws a `RuntimeError` for a relative `webRoot` and
 * for key files that cannot be read.
 */
export async function openStaticRuntime(settings: StaticRuntimeSettings, ctx: RuntimeContext, deps: StaticRuntimeDeps = {}): Promise<StaticRuntime> {
  if (!isAbsolute(settings.webRoot)) throw new RuntimeError(`static target ${ctx.target}: webRoot must be resolved to an absolute path (got "${settings.webRoot}")`);
  if (!settings.ssh) return new StaticRuntime(settings, ctx, localSiteFiles);
  const pool = new SshPool(deps.connect);
  const endpoint = endpointOf(settings.ssh, settings.ssh.host, await readLoginKeys(settings.ssh, ctx.target));
  return new StaticRuntime(settings, ctx, new RemoteSiteFiles(pool, endpoint), () => pool.close());
}

export class StaticRuntime implements RuntimeAdapter {
  readonly kind = 'static';
  readonly #lock = new KeyedLock();
  #closed = false;
  /** What was last seen in the web root, reported while its host is out of reach. */
  readonly #seen = new LastSeen<StaticObservedUnit>();

  /** Use {@link openStaticRuntime}. */
  constructor(
    private readonly settings: StaticRuntimeSettings,
    private readonly ctx: RuntimeContext,
    private readonly files: SiteFiles,
    private readonly disconnect: () => Promise<void> = async () => {},
  ) {}

  /**
   * Publishes the unit's artifact directory and switches the site to it; idempotent (an intact live
   * release of the same configuration is left alone; a retained one is switched back to without a
   * copy; a drifted one is replaced by a fresh copy). Throws a `RuntimeError` when the directory
   * cannot be read or the web root written; the live release is then unchanged.
   */
  apply(unit: DesiredUnit, options: ApplyOptions = {}): Promise<void> {
    return this.#lock.run(this.lockKey(unit), async () => {
      this.assertOpen();
      const dir = this.unitDir(unit);
      await this.fs(unit, 'publish', async () => {
        if (unit.replicas > 0) {
          options.signal?.throwIfAborted();
          const name = await this.intactRelease(dir, unit.configHash, (await dir.live())?.name);
          const live = name ?? (await dir.publish(unit.workload.workingDir, unit.release, unit.configHash));
          const previous = (await dir.live())?.name;
          if (previous !== live) await dir.switchTo(live);
          if (previous && previous !== live && (await this.driftOf(dir, previous)).length > 0) await dir.deleteRelease(previous);
          options.onProgress?.(`${unitId(unit)}: release ${unit.release.version} live`);
        } else {
          await dir.unpublish();
        }
        const record: UnitRecord = { key: unitKey(unit), release: unit.release, configHash: unit.configHash, replicas: unit.replicas };
        await dir.writeRecord(record);
        await dir.prune(this.settings.keepReleases);
        // Just published or checked intact: no need to hash the live release again.
        this.#seen.changed(unit, await this.observeUnit(unitKey(unit), { intact: true }));
      });
    });
  }

  /** Deletes the unit's directory: its site, releases and record. Idempotent. */
  remove(key: UnitKey, _options: ApplyOptions = {}): Promise<void> {
    return this.#lock.run(this.lockKey(key), async () => {
      this.assertOpen();
      await this.fs(key, 'remove', () => this.unitDir(key).delete());
      this.#seen.changed(key, undefined);
    });
  }

  /**
   * Every unit published in the web root, in key order, with drift found by hashing each live
   * release. While its host is out of reach, the units seen last are reported with their
   * instances `unhealthy` ("unreachable"); only when none was ever seen does it throw the
   * `HostUnreachableError`. A web root not made yet holds nothing.
   */
  async observe(): Promise<StaticObservedUnit[]> {
    try {
      const keys = (await listUnitDirs(this.files, this.settings.webRoot)).map((k) => ({ ...k, target: this.ctx.target }));
      const units = (await Promise.all(keys.map((key) => this.observeUnit(key)))).filter((u): u is StaticObservedUnit => u !== undefined).sort(compareUnitKeys);
      this.#seen.saw(units);
      return units;
    } catch (error) {
      if (!(error instanceof HostUnreachableError) || !this.#seen.known) throw error;
      return this.#seen.unreachable(error instanceof HostKeyRejectedError ? 'host key rejected' : 'unreachable');
    }
  }

  /** Closes the connection to the host, if any; the web server keeps serving. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.disconnect();
  }

  /** The unit as its web root shows it; `intact` skips hashing the live release (the caller has just made or checked it). */
  private async observeUnit(key: UnitKey, { intact = false } = {}): Promise<StaticObservedUnit | undefined> {
    const dir = this.unitDir(key);
    const [record, live] = await Promise.all([dir.readRecord(), dir.live()]);
    const manifest = live && (await dir.readManifest(live.name));
    const shown = manifest ?? record;
    if (!shown) return undefined;
    const replicas = record?.replicas ?? 1;
    const drift = live && !intact ? await this.driftOf(dir, live.name) : [];
    const health: UnitHealth = replicas === 0 ? (live ? 'degraded' : 'healthy') : !live || !manifest ? 'missing' : drift.length > 0 || (record && record.configHash !== manifest.configHash) ? 'degraded' : 'healthy';
    const instance = (replica: number): ObservedInstance => ({
      id: instanceId(key, replica),
      replica,
      state: drift.length > 0 ? 'unhealthy' : 'ready',
      release: manifest!.release,
      configHash: manifest!.configHash,
      // The web server that serves the web root runs where it is.
      host: this.settings.ssh?.host.address ?? LOOPBACK,
      ports: {},
      restarts: 0,
      startedAt: live!.since,
      ...(drift.length > 0 ? { message: describeDrift(drift) } : {}),
    });
    return {
      ...key,
      release: shown.release,
      configHash: shown.configHash,
      replicas,
      instances: live && manifest ? Array.from({ length: replicas }, (_, i) => instance(i)) : [],
      health,
      ...(drift.length > 0 ? { drift } : {}),
    };
  }

  /** The name of a retained release of `configHash` whose files are as published (the live one first), if any. */
  private async intactRelease(dir: UnitDir, configHash: string, live: string | undefined): Promise<string | undefined> {
    const names = await dir.releasesOf(configHash);
    for (const name of live && names.includes(live) ? [live, ...names.filter((n) => n !== live)] : names) {
      if ((await this.driftOf(dir, name)).length === 0) return name;
    }
    return undefined;
  }

  /** What differs between a release's files and its manifest; a release without a manifest differs entirely. */
  private async driftOf(dir: UnitDir, name: string): Promise<FileDrift[]> {
    const [manifest, files] = await Promise.all([dir.readManifest(name), this.files.hashTree(dir.releasePath(name)).catch(() => ({}))]);
    if (!manifest) return [{ path: '.', change: 'changed' }];
    return diffHashes(manifest.files, files);
  }

  private unitDir(key: UnitKey): UnitDir {
    return new UnitDir(this.files, this.settings.webRoot, key);
  }

  private lockKey(key: UnitKey): string {
    return `${key.environment}/${key.service}`;
  }

  /** Runs file work on the web root; a failure becomes a `RuntimeError` naming the unit. */
  private async fs<T>(key: UnitKey, operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HostUnreachableError) throw error;
      throw new RuntimeError(`${unitId(key)}: ${operation} in ${this.files.describe(this.settings.webRoot)} failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  private assertOpen(): void {
    if (this.#closed) throw new RuntimeError(`static runtime of target ${this.ctx.target} is closed`);
  }
}
