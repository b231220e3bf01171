/**
 * A lock file for what only one process may have open at a time on this machine — the embedded
 * database's files, a test harness's slot — held by a holder (`holder.ts`): the file names its
 * host, pid and start time, so a lock left by a killed process is taken over at once, even when
 * its pid is a zombie or now names another process. Slipway's work is coordinated by leases in
 * the store (`store/lease-store.ts`), not by files.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SlipwayError, type ErrorCode } from '../errors.js';
import { PRIVATE_FILE } from '../state-dir.js';
import { holderId, knownDead, parseHolder, thisProcess } from './holder.js';

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

/** The pid of the live holder named in `file`; undefined when the file is absent, unreadable or its holder is gone. */
export function lockHolder(file: string): number | undefined {
  let id: string;
  try {
    id = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  const holder = parseHolder(id);
  return holder && !knownDead(id) ? holder.pid : undefined;
}

/**
 * Takes the lock for this process. Throws `LockedError` when a live holder has it, this process
 * included. Returns the release function (idempotent; removes the file only while it is ours).
 */
export function acquireFileLock(file: string): () => void {
  const me = holderId(thisProcess());
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${me}\n`, { flag: 'wx', mode: PRIVATE_FILE });
      let held = true;
      return () => {
        if (held && readOr(file) === me) rmSync(file, { force: true });
        held = false;
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(file);
      if (holder !== undefined) throw new LockedError(file, holder);
      rmSync(file, { force: true }); // left by a holder that is gone: take it over
    }
  }
  throw new SlipwayError('locked', `could not take the lock ${file}`);
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
