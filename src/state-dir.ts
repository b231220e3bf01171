/**
 * A state directory (`.slipway/`, or a process target's `baseDir`) is private to the user who runs
 * Slipway: everything Slipway writes in it is created 0600, every directory 0700, and a directory
 * that another user could write is refused, since they could change the database, the lock or
 * the records in it.
 *
 * The process umask is left as the user set it, on purpose: services that the process runtime
 * starts inherit it, as they would from the user's shell, with no window in which a spawn sees
 * another one. Nor would a umask help the embedded database, whose files PGlite chmods to 0666
 * itself. Instead each file Slipway writes has an explicit mode, and the store takes the group and
 * other bits away from the database's files once PGlite has created them and again at close.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from './errors.js';

/** Mode of every file Slipway writes in a state directory. */
export const PRIVATE_FILE = 0o600;
/** Mode of every directory Slipway makes in a state directory. */
export const PRIVATE_DIR = 0o700;

/** A state directory that another user could change, or not a directory: Slipway refuses it and changed nothing. */
export class UnsafeStateDirError extends SlipwayError {
  override readonly name = 'UnsafeStateDirError';
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super('unsafe-state-dir', message);
  }
}

/**
 * Makes `dir` (with any missing parent) 0700 when it does not exist. An existing one must be a
 * directory owned by `uid` (default: this process's user) that group and others cannot write;
 * otherwise throws `UnsafeStateDirError`, whose message names its mode and owner and the command
 * that fixes it, and changes nothing. A safe one is then made 0700 (an older Slipway made it 0755).
 * Idempotent.
 */
export function ensurePrivateDir(dir: string, uid: number | undefined = process.getuid?.()): void {
  const stats = statIfAny(dir);
  if (!stats) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
    chmodSync(dir, PRIVATE_DIR);
    return;
  }
  const mode = stats.mode & 0o7777;
  const described = `mode ${octal(mode)}, owner uid ${stats.uid}`;
  if (!stats.isDirectory()) {
    throw new UnsafeStateDirError(dir, `${dir} is not a directory; Slipway keeps its state there: move it away`);
  }
  if (uid !== undefined && stats.uid !== uid) {
    throw new UnsafeStateDirError(
      dir,
      `${dir} belongs to another user (${described}; you are uid ${uid}), who could change Slipway's state ` +
        `in it, so Slipway will not use it. Run Slipway as its owner, or take it over: ` +
        `\`chown -R ${uid} ${dir} && chmod -R go-rwx ${dir}\``,
    );
  }
  if ((mode & 0o022) !== 0) {
    const who = (mode & 0o020) === 0 ? 'others' : (mode & 0o002) === 0 ? 'group' : 'group and others';
    throw new UnsafeStateDirError(
      dir,
      `${dir} can be written by ${who} (${described}): another user could change Slipway's state in it ` +
        `(its database, locks and records), so Slipway will not use it. If nobody did, make it private: ` +
        `\`chmod -R go-rwx ${dir}\``,
    );
  }
  if (mode !== PRIVATE_DIR) chmodSync(dir, PRIVATE_DIR);
}

/**
 * Takes the group and other bits away from `dir` and everything under it (`chmod -R go-rwx`),
 * never following a link: for trees whose files a library creates with modes of its own. A missing
 * `dir` is a no-op; an entry that vanishes meanwhile is skipped.
 */
export function restrictTree(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const path of [dir, ...names.map((name) => join(dir, name))]) {
    try {
      const stats = lstatSync(path);
      if (!stats.isSymbolicLink() && (stats.mode & 0o077) !== 0) chmodSync(path, stats.mode & 0o7700);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
