/**
 * Persistent records of a process target, in its state directory (`kit/state-files.ts`: private,
 * atomic, unusable records set aside):
 * `instances/<environment>.<service>.<replica>.<generation>.json` — one supervised process;
 * `units/<environment>.<service>.json` — what the unit last converged to;
 * `logs/<environment>.<service>.<replica>.log` — the output of a replica's processes.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';
import { instanceId } from '../kit/names.js';
import { readRecords, StateDir, StoredReleaseRef, StoredUnitKey, writeJsonAtomic, type ReadRecords } from '../kit/state-files.js';

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

const Count = z.number().int().min(0);
const StoredProbe = z.object({
  port: z.number().int(),
  path: z.string(),
  initialDelaySeconds: z.number().min(0),
  periodSeconds: z.number().positive(),
  timeoutSeconds: z.number().positive(),
  failureThreshold: z.number().int().positive(),
});
/** The shape an instance record must have to be used. Values (a probe's path) are checked where they are used. */
const StoredInstance: z.ZodType<StoredInstanceRecord> = z.object({
  key: StoredUnitKey,
  release: StoredReleaseRef,
  configHash: z.string(),
  replica: Count,
  generation: Count,
  pid: z.number().int().positive().nullable(),
  startTime: z.number().nullable(),
  startedAt: z.number().nullable(),
  ports: z.record(z.string(), z.number().int()),
  restarts: Count,
  logPath: z.string(),
  launch: z.object({
    command: z.string(),
    args: z.array(z.string()),
    workingDir: z.string(),
    env: z.union([z.string(), z.record(z.string(), z.string())]),
  }),
  readinessProbe: StoredProbe.optional(),
  livenessProbe: StoredProbe.optional(),
});

/** The records of a process target's state directory: units (see `StateDir`), instances and log files. */
export class ProcessStateDir extends StateDir {
  get logDir(): string {
    return join(this.dir, 'logs');
  }

  /** Log file of a replica, shared by its generations (an update appends to the same file). */
  logPath(key: UnitKey, replica: number): string {
    return join(this.logDir, `${instanceId(key, replica)}.log`);
  }

  /** Creates the directories, 0700, as `StateDir.init` does. */
  override init(): Promise<void> {
    return super.init('instances', 'logs');
  }

  /** Every usable instance record; the others are set aside and returned as `unusable`. */
  listInstances(): Promise<ReadRecords<StoredInstanceRecord>> {
    return readRecords(join(this.dir, 'instances'), StoredInstance);
  }

  /** Writes atomically; replaces any previous version. */
  saveInstance(record: InstanceRecord): Promise<void> {
    return writeJsonAtomic(this.instanceFile(record), record);
  }

  /** Idempotent. */
  deleteInstance(record: InstanceRecord): Promise<void> {
    return rm(this.instanceFile(record), { force: true });
  }

  private instanceFile(record: InstanceRecord): string {
    return join(this.dir, 'instances', `${instanceId(record.key, record.replica)}.${record.generation}.json`);
  }
}
