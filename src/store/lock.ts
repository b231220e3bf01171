/**
 * The embedded store is single-process: whoever opens it holds `<dir>/store.lock`, a file lock
 * (`../lease/file-lock.ts`). A lock whose process is gone is taken over, so a killed Slipway never
 * blocks the next one.
 */
import { join } from 'node:path';
import { LockedError, acquireFileLock, lockHolder } from '../lease/file-lock.js';

/** Name of the lock file inside the store directory. */
export const STORE_LOCK_FILE = 'store.lock';

/** Another live process (possibly this one, through an earlier open) has the embedded store open. */
export class StoreLockedError extends LockedError {
  override readonly name = 'StoreLockedError';
  constructor(
    readonly dir: string,
    pid: number,
  ) {
    super(join(dir, STORE_LOCK_FILE), pid, `the store in ${dir} is open in process ${pid}`, 'store-locked');
  }
}

/** The pid of the live process holding the store lock in `dir`; undefined when none does. */
export function readStoreLock(dir: string): number | undefined {
  return lockHolder(join(dir, STORE_LOCK_FILE));
}

/**
 * Takes the store lock in `dir` (which must exist) for this process. Throws `StoreLockedError`
 * when a live process holds it, this one included. Returns the idempotent release function.
 */
export function acquireStoreLock(dir: string): () => void {
  try {
    return acquireFileLock(join(dir, STORE_LOCK_FILE));
  } catch (error) {
    if (error instanceof LockedError) throw new StoreLockedError(dir, error.pid);
    throw error;
  }
}
