/**
 * The embedded store is single-process: whoever opens it holds `<dir>/store.lock`, a file with
 * its pid, created exclusively. A lock whose process is gone is taken over, so a killed Slipway
 * never blocks the next one.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';

/** Name of the lock file inside the store directory. */
export const STORE_LOCK_FILE = 'store.lock';

/** Another live process (possibly this one, through an earlier open) has the embedded store open. */
export class StoreLockedError extends SlipwayError {
  override readonly name = 'StoreLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super('store-locked', `the store in ${dir} is open in process ${pid}`);
  }
}

/** The pid of the live process holding the store lock in `dir`; undefined when none does. */
export function readStoreLock(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, STORE_LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Takes the store lock in `dir` (which must exist) for this process. Throws `StoreLockedError`
 * when a live process holds it, this one included. Returns the release function: idempotent,
 * and it removes the file only while the lock is still ours.
 */
export function acquireStoreLock(dir: string): () => void {
  const file = join(dir, STORE_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let held = true;
      return () => {
        if (held && readStoreLock(dir) === process.pid) rmSync(file, { force: true });
        held = false;
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readStoreLock(dir);
      if (holder !== undefined) throw new StoreLockedError(dir, holder);
      rmSync(file, { force: true }); // left by a dead process: take it over
    }
  }
  throw new SlipwayError('store-locked', `could not take the store lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
