/**
 * The content-addressed artifact store on the local disk: each snapshot lives in
 * `<storeDir>/<hex>/`, named by the SHA-256 digest of its content, and never changes once there.
 * Like all state, snapshots are private (files 0600, or 0700 when executable; directories 0700):
 * whoever publishes a copy elsewhere gives it the modes it needs there.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { PRIVATE_DIR, PRIVATE_FILE } from '../state-dir.js';

/** Entry names left out of a snapshot at any depth: Slipway's state and git metadata. */
export const SNAPSHOT_EXCLUDES: ReadonlySet<string> = new Set(['.slipway', '.git']);

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** One file, directory or symlink of a tree, by its `/`-separated path relative to the root. */
interface Entry {
  readonly path: string;
  readonly kind: 'file' | 'dir' | 'symlink';
}

/**
 * Copies `sourceDir` into the store and returns its digest (`sha256:<hex>`) and the snapshot's
 * directory. The digest covers the sorted relative paths, each entry's kind, the executable bit
 * of files, file contents and symlink targets; never timestamps, owners or other mode bits.
 * Symlinks are kept as links, not followed. `.slipway` and `.git` entries are left out.
 * Idempotent: content already stored is reused without copying. Atomic: the snapshot is copied
 * into a temporary directory in `storeDir` and renamed into place, so a directory named by a
 * digest is always complete, and concurrent snapshots of the same content both succeed. The
 * digest is that of the stored copy, so a source edited during the snapshot is never misnamed.
 * Throws a `SlipwayError` (`unsupported-file`) for sockets, FIFOs and devices.
 */
export async function snapshotDirectory(sourceDir: string, storeDir: string): Promise<{ digest: string; path: string }> {
  const sourceDigest = await digestTree(sourceDir, await listTree(sourceDir));
  const existing = artifactPath(storeDir, sourceDigest);
  if (await isDirectory(existing)) return { digest: sourceDigest, path: existing };

  await mkdir(storeDir, { recursive: true, mode: PRIVATE_DIR });
  const temp = await mkdtemp(join(storeDir, '.tmp-'));
  try {
    const entries = await listTree(sourceDir);
    await copyTree(sourceDir, temp, entries);
    const digest = await digestTree(temp, entries);
    const path = artifactPath(storeDir, digest);
    try {
      await rename(temp, path);
    } catch (error) {
      // Another snapshot of the same content got there first; its copy is as good as ours.
      if (!(await isDirectory(path))) throw error;
    }
    return { digest, path };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * The directory that holds the snapshot `digest` (`sha256:<hex>`) in `storeDir`, whether or not
 * it exists. Throws a `SlipwayError` (`invalid-digest`) for anything but a SHA-256 digest, so a
 * digest can never name a path outside the store.
 */
export function artifactPath(storeDir: string, digest: string): string {
  const hex = DIGEST.exec(digest)?.[1];
  if (!hex) throw new SlipwayError('invalid-digest', `"${digest}" is not an artifact digest (sha256:<64 hex digits>)`);
  return join(storeDir, hex);
}

/** Every entry under `root`, sorted by path in code-unit order, without the excluded names. */
async function listTree(root: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const dirent of await readdir(join(root, relative), { withFileTypes: true })) {
      if (SNAPSHOT_EXCLUDES.has(dirent.name)) continue;
      const path = relative ? `${relative}/${dirent.name}` : dirent.name;
      if (dirent.isDirectory()) {
        entries.push({ path, kind: 'dir' });
        await walk(path);
      } else if (dirent.isFile()) {
        entries.push({ path, kind: 'file' });
      } else if (dirent.isSymbolicLink()) {
        entries.push({ path, kind: 'symlink' });
      } else {
        throw new SlipwayError('unsupported-file', `cannot snapshot ${join(root, path)}: not a file, directory or symlink`);
      }
    }
  };
  await walk('');
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The digest of `entries` as found under `root`: one line per entry, hashed once more. */
async function digestTree(root: string, entries: readonly Entry[]): Promise<string> {
  const tree = createHash('sha256');
  for (const entry of entries) {
    const full = join(root, entry.path);
    const name = JSON.stringify(entry.path);
    if (entry.kind === 'dir') tree.update(`dir ${name}\n`);
    else if (entry.kind === 'symlink') tree.update(`symlink ${name} ${JSON.stringify(await readlink(full))}\n`);
    else tree.update(`file ${name} ${(await isExecutable(full)) ? 'x' : '-'} ${await hashFile(full)}\n`);
  }
  return `sha256:${tree.digest('hex')}`;
}

/** Copies `entries` from `from` into the empty directory `to`: files 0700 or 0600, directories 0700, links as links. */
async function copyTree(from: string, to: string, entries: readonly Entry[]): Promise<void> {
  for (const entry of entries) {
    const source = join(from, entry.path);
    const target = join(to, entry.path);
    if (entry.kind === 'dir') {
      await mkdir(target, { mode: PRIVATE_DIR });
    } else if (entry.kind === 'symlink') {
      await symlink(await readlink(source), target);
    } else {
      await copyFile(source, target);
      await chmod(target, (await isExecutable(source)) ? PRIVATE_FILE | 0o100 : PRIVATE_FILE);
    }
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function isExecutable(path: string): Promise<boolean> {
  return ((await lstat(path)).mode & 0o111) !== 0;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
