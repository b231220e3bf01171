/**
 * The file operations a web root needs (`web-root.ts` is their only user), on this machine or on
 * a host over SSH (`remote-site-files.ts`). Paths are absolute. `rename` replaces its destination
 * atomically (rename(2)): the switch of `current` depends on it.
 */
import { chmod, cp, lstat, mkdir, readdir, readFile, readlink, rename, rm, rmdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { hashTree, type FileHashes } from './manifest.js';

export interface SiteFiles {
  /** Where the files are, for messages: "web root /srv/www" or "web root /srv/www on edge1". */
  describe(webRoot: string): string;
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  /** Names in a directory; rejects when it cannot be read. */
  list(path: string): Promise<string[]>;
  /** True when something (a link counts, even a dangling one) is at `path`. */
  exists(path: string): Promise<boolean>;
  readLink(path: string): Promise<string>;
  /** When the entry itself (not what a link points to) last changed. */
  modifiedAt(path: string): Promise<Date>;
  setModifiedAt(path: string, at: Date): Promise<void>;
  makeDir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /** Removes a file, a link or a whole tree. Idempotent. */
  remove(path: string): Promise<void>;
  /** Removes an empty directory; rejects when it is not empty. */
  removeEmptyDir(path: string): Promise<void>;
  /**
   * Copies the local directory `source` to `path`, which must not exist; links are copied as links.
   * The copy is readable by all (directories and executables 0755, files 0644), whatever the
   * modes of `source` (a private snapshot).
   */
  copyIn(source: string, path: string): Promise<void>;
  /** Every file's sha256 and every link's target under `path` (see `manifest.ts`). */
  hashTree(path: string): Promise<FileHashes>;
}

/** A web root on this machine. */
export const localSiteFiles: SiteFiles = {
  describe: (webRoot) => `web root ${webRoot}`,
  readText: (path) => readFile(path, 'utf8'),
  writeText: (path, text) => writeFile(path, text),
  list: (path) => readdir(path),
  exists: (path) => lstat(path).then(
    () => true,
    () => false,
  ),
  readLink: (path) => readlink(path),
  modifiedAt: async (path) => (await lstat(path)).mtime,
  setModifiedAt: (path, at) => utimes(path, at, at),
  makeDir: async (path) => void (await mkdir(path, { recursive: true })),
  rename: (from, to) => rename(from, to),
  symlink: (target, path) => symlink(target, path),
  remove: (path) => rm(path, { recursive: true, force: true }),
  removeEmptyDir: (path) => rmdir(path),
  copyIn: async (source, path) => {
    await cp(source, path, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    await publishModes(path);
  },
  hashTree,
};

/** Makes `dir` and everything under it readable by all: directories and executables 0755, files 0644. Links are left. */
async function publishModes(dir: string): Promise<void> {
  const names = await readdir(dir, { recursive: true, encoding: 'utf8' });
  for (const path of [dir, ...names.map((name) => join(dir, name))]) {
    const stats = await lstat(path);
    if (!stats.isSymbolicLink()) await chmod(path, stats.isDirectory() || (stats.mode & 0o100) !== 0 ? 0o755 : 0o644);
  }
}

/** Reads and parses a JSON file; undefined when it is missing, unreadable or not of `schema`'s shape. */
export async function readJson<T>(files: SiteFiles, path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  try {
    const parsed = schema.safeParse(JSON.parse(await files.readText(path)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
