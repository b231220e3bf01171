/**
 * A target's state directory on this machine: private (files 0600, directories 0700), one JSON file
 * per record, each written atomically (temporary file, then rename) so that a crash never leaves
 * half a record. Every adapter that keeps records keeps them here; `units/<environment>.<service>.json`
 * holds what a unit last converged to.
 *
 * A record that cannot be read or does not have the shape it must have (written by hand, by a
 * disk that failed, by another version) is set aside as `<file>.unusable` and reported to the
 * caller, which tells of it as an error of its unit: it never stops the adapter from opening.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';
import { errorMessage } from '../../errors.js';
import { ensurePrivateDir, PRIVATE_DIR, PRIVATE_FILE } from '../../state-dir.js';
import type { RuntimeContext } from '../types.js';
import { unitOfFile, unitSlug } from './names.js';

/** The last converged shape of a unit: written only when an apply succeeds. */
export interface UnitRecord {
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly replicas: number;
}

/** The shape of a stored unit key. */
export const StoredUnitKey = z.object({ service: z.string(), environment: z.string(), target: z.string() });
/** The shape of a stored release reference. */
export const StoredReleaseRef = z.object({ id: z.string(), version: z.string(), artifactDigest: z.string().nullable() });
/** The shape of a stored {@link UnitRecord}. */
export const StoredUnitRecord = z.object({ key: StoredUnitKey, release: StoredReleaseRef, configHash: z.string(), replicas: z.number().int().min(0) });

/** A record file set aside because it could not be used. */
export interface UnusableRecord {
  /** The file's name as it was (`dev.api.json`); it is now `<name>.unusable`. */
  readonly file: string;
  readonly reason: string;
}

/** Records read from a directory: the usable ones, and the ones set aside. */
export interface ReadRecords<T> {
  readonly records: T[];
  readonly unusable: UnusableRecord[];
}

/** Reads and writes the records of one target's state directory. */
export class StateDir {
  constructor(readonly dir: string) {}

  /**
   * Creates the directory, `units/` and `subdirs`, 0700. Idempotent. Throws `UnsafeStateDirError`,
   * changing nothing, when the state directory exists and another user could write it.
   */
  async init(...subdirs: string[]): Promise<void> {
    ensurePrivateDir(this.dir);
    const make = (sub: string) => mkdir(join(this.dir, sub), { mode: PRIVATE_DIR }).catch(existing);
    await Promise.all(['units', ...subdirs].map(make));
  }

  /** Every usable unit record; the others are set aside and returned as `unusable`. */
  listUnits(): Promise<ReadRecords<UnitRecord>> {
    return readRecords(join(this.dir, 'units'), StoredUnitRecord);
  }

  /** Writes atomically; replaces any previous version. */
  saveUnit(record: UnitRecord): Promise<void> {
    return writeJsonAtomic(join(this.dir, 'units', `${unitSlug(record.key)}.json`), record);
  }

  /** Idempotent. */
  deleteUnit(key: UnitKey): Promise<void> {
    return rm(join(this.dir, 'units', `${unitSlug(key)}.json`), { force: true });
  }
}

/** Writes `value` as JSON to `file` (0600) atomically: a reader sees the old content or the new, never half. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2), { mode: PRIVATE_FILE });
  await rename(tmp, file);
}

/**
 * Every `.json` file of `dir` (in name order) that parses and has the shape of `schema`. The
 * others are renamed `<file>.unusable` (so that they are reported once) and returned with the
 * reason. A missing directory holds nothing. Never throws for a single file.
 */
export async function readRecords<T>(dir: string, schema: z.ZodType<T>): Promise<ReadRecords<T>> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
  const read = await Promise.all(
    names.map(async (file): Promise<{ file: string; record: T } | UnusableRecord | undefined> => {
      let text: string;
      try {
        text = await readFile(join(dir, file), 'utf8');
      } catch (error) {
        // Deleted meanwhile: nothing to tell.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        return { file, reason: errorMessage(error) };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { file, reason: `not JSON: ${errorMessage(error)}` };
      }
      const result = schema.safeParse(parsed);
      if (result.success) return { file, record: result.data };
      const issue = result.error.issues[0];
      return { file, reason: `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'not a record'}` };
    }),
  );
  const records: T[] = [];
  const unusable: UnusableRecord[] = [];
  for (const entry of read) {
    if (!entry) continue;
    if ('record' in entry) {
      records.push(entry.record);
      continue;
    }
    unusable.push(entry);
    await rename(join(dir, entry.file), join(dir, `${entry.file}.unusable`)).catch(() => undefined);
  }
  return { records, unusable };
}

/**
 * Tells `ctx.onEvent` of each record set aside, as a `record-unusable` event of the unit its file
 * names: an error of that unit, never of the target. Never throws.
 */
export function reportUnusable(ctx: Pick<RuntimeContext, 'target' | 'onEvent'>, unusable: readonly UnusableRecord[]): void {
  for (const { file, reason } of unusable) {
    const key = unitOfFile(file, ctx.target);
    if (!key) continue;
    try {
      ctx.onEvent?.({ type: 'record-unusable', key, instance: file, message: `${file}: cannot be used (${reason}); set aside as ${file}.unusable: deploy the unit again` });
    } catch {
      // a listener's failure must not stop the runtime
    }
  }
}

function existing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error;
}
