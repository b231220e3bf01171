/**
 * An exclusive lock held by a live process: a file containing its pid, created with `wx` (mode 0600).
 * A lock left by a dead process is taken over, so a killed Slipway never blocks the next one.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SlipwayError, type ErrorCode } from './errors.js';
import { PRIVATE_FILE } from './state-dir.js';

/** A live process (possibly this one, through an earlier acquire) holds the lock. */
export class LockedError extends SlipwayError {
  override readonly name: string = 'LockedError';
  constructor(
    readonly file: string,
    readonly pid: number,
    message = `${file} is held by process ${pid}`,
    code: ErrorCode = 'locked',
  ) {
    super(code, message);
  }
}

/** The pid in `file` when that process is alive; undefined when the file is absent or stale. */
export function lockHolder(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Takes the lock for this process. Throws `LockedError` when a live process holds it, this one
 * included. Returns the release function (idempotent; removes the file only while it is ours).
 */
export function acquirePidLock(file: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: PRIVATE_FILE });
      let held = true;
      return () => {
        if (held && lockHolder(file) === process.pid) rmSync(file, { force: true });
        held = false;
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(file);
      if (holder !== undefined) throw new LockedError(file, holder);
      rmSync(file, { force: true }); // left by a dead process: take it over
    }
  }
  throw new SlipwayError('locked', `could not take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
