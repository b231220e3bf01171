/**
 * Persistent records of a process target, one JSON file each in the state directory (private:
 * files 0600, directories 0700), written atomically (temporary file, then rename) so that a crash
 * never leaves half a record.
 * `instances/<environment>.<service>.<replica>.<generation>.json` — one supervised process;
 * `units/<environment>.<service>.json` — what the unit last converged to.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';
import { ensurePrivateDir, PRIVATE_DIR, PRIVATE_FILE } from '../../state-dir.js';

/** One process the runtime supervises. A generation tells apart old and new process of one replica during an update. */
export interface InstanceRecord {
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly replica: number;
  readonly generation: number;
  /** Null until the first spawn succeeded. */
  readonly pid: number | null;
  /** `/proc/<pid>/stat` start time (clock ticks since boot); null with `pid`. */
  readonly startTime: number | null;
  /** Wall-clock start, ms since epoch; null with `pid`. */
  readonly startedAt: number | null;
  readonly ports: Readonly<Record<string, number>>;
  readonly restarts: number;
  readonly logPath: string;
  /** Everything needed to start the process again without the desired unit at hand. */
  readonly launch: {
    readonly command: string;
    readonly args: readonly string[];
    readonly workingDir: string;
    /** The environment as JSON, sealed with `RuntimeContext.sealer`: it holds resolved secrets. */
    readonly env: string;
  };
  readonly readinessProbe?: ProbeSpec;
  readonly livenessProbe?: ProbeSpec;
}

/**
 * An instance record as read back. One written before environments were sealed holds the
 * variables themselves in `launch.env`; the runtime seals it when it opens.
 */
export type StoredInstanceRecord = Omit<InstanceRecord, 'launch'> & {
  readonly launch: Omit<InstanceRecord['launch'], 'env'> & { readonly env: string | Readonly<Record<string, string>> };
};

/** A probe with its port already resolved for this instance. */
export interface ProbeSpec {
  readonly port: number;
  readonly path: string;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** The last converged shape of a unit: written only when an apply succeeds. */
export interface UnitRecord {
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly replicas: number;
}

/** `<environment>.<service>` — names are DNS labels without dots, so this is unambiguous. */
export function unitSlug(key: UnitKey): string {
  return `${key.environment}.${key.service}`;
}

/** The stable instance id of a replica, e.g. `dev.api.0`. */
export function instanceId(key: UnitKey, replica: number): string {
  return `${unitSlug(key)}.${replica}`;
}

/** Reads and writes the records of one state directory. */
export class StateDir {
  constructor(readonly dir: string) {}

  get logDir(): string {
    return join(this.dir, 'logs');
  }

  /** Log file of a replica, shared by its generations (an update appends to the same file). */
  logPath(key: UnitKey, replica: number): string {
    return join(this.logDir, `${instanceId(key, replica)}.log`);
  }

  /**
   * Creates the directories, 0700. Idempotent. Throws `UnsafeStateDirError`, changing nothing,
   * when the state directory exists and another user could write it.
   */
  async init(): Promise<void> {
    ensurePrivateDir(this.dir);
    const make = (sub: string) => mkdir(join(this.dir, sub), { mode: PRIVATE_DIR }).catch(existing);
    await Promise.all(['instances', 'units', 'logs'].map(make));
  }

  /** Every readable instance record; unreadable files are skipped. */
  listInstances(): Promise<StoredInstanceRecord[]> {
    return readAll<StoredInstanceRecord>(join(this.dir, 'instances'));
  }

  /** Every readable unit record. */
  listUnits(): Promise<UnitRecord[]> {
    return readAll<UnitRecord>(join(this.dir, 'units'));
  }

  /** Writes atomically; replaces any previous version. */
  saveInstance(record: InstanceRecord): Promise<void> {
    return writeAtomic(this.instanceFile(record), record);
  }

  /** Idempotent. */
  deleteInstance(record: InstanceRecord): Promise<void> {
    return rm(this.instanceFile(record), { force: true });
  }

  saveUnit(record: UnitRecord): Promise<void> {
    return writeAtomic(join(this.dir, 'units', `${unitSlug(record.key)}.json`), record);
  }

  /** Idempotent. */
  deleteUnit(key: UnitKey): Promise<void> {
    return rm(join(this.dir, 'units', `${unitSlug(key)}.json`), { force: true });
  }

  private instanceFile(record: InstanceRecord): string {
    return join(this.dir, 'instances', `${instanceId(record.key, record.replica)}.${record.generation}.json`);
  }
}

async function writeAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2), { mode: PRIVATE_FILE });
  await rename(tmp, file);
}

function existing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error;
}

async function readAll<T>(dir: string): Promise<T[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
  const records = await Promise.all(
    names.map(async (name) => {
      try {
        return JSON.parse(await readFile(join(dir, name), 'utf8')) as T;
      } catch {
        return undefined;
      }
    }),
  );
  return records.filter((r): r is Awaited<T> => r !== undefined) as T[];
}
