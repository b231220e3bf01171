/**
 * The layout of a unit in a local web root, and the only code that writes it:
 *
 * ```
 * <webRoot>/<environment>/<service>/
 *   current -> releases/<name>          the live release: the web server's root for the site
 *   releases/<name>/                    one published copy of an artifact directory, never changed
 *   releases/<name>.manifest.json       its release, configuration hash and file hashes
 *   unit.json                           what the unit was last asked for (release, replicas)
 * ```
 *
 * A release is copied into a hidden temporary directory and renamed into place, and `current` is
 * switched by renaming a new link over it, so a reader sees the old site or the new one, never a
 * mix or nothing. `<name>` is the configuration hash (made file-name safe), with a suffix when a
 * fresh copy of the same configuration is needed (the old one was changed by hand).
 */
import { randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';
import { hashTree, type FileHashes } from './manifest.js';

/** What `releases/<name>.manifest.json` holds. */
export interface ReleaseManifest {
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly files: FileHashes;
}

/** What `unit.json` holds. */
export interface UnitRecord {
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly replicas: number;
}

const RELEASES = 'releases';
const CURRENT = 'current';
const MANIFEST_SUFFIX = '.manifest.json';

/** One unit's directory in the web root. */
export class UnitDir {
  readonly dir: string;

  constructor(webRoot: string, key: Pick<UnitKey, 'environment' | 'service'>) {
    this.dir = join(webRoot, key.environment, key.service);
  }

  /** `<unit>/current`: give this path to the web server. */
  get currentPath(): string {
    return join(this.dir, CURRENT);
  }

  releasePath(name: string): string {
    return join(this.dir, RELEASES, name);
  }

  /** The unit record; undefined when there is none or it is unreadable. */
  readRecord(): Promise<UnitRecord | undefined> {
    return readJson<UnitRecord>(join(this.dir, 'unit.json'));
  }

  /** Writes the unit record atomically. */
  async writeRecord(record: UnitRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeAtomic(join(this.dir, 'unit.json'), JSON.stringify(record, null, 2));
  }

  /** The live release's name and when it went live; undefined when nothing is published. */
  async live(): Promise<{ name: string; since: Date } | undefined> {
    try {
      const [target, info] = await Promise.all([readlink(this.currentPath), lstat(this.currentPath)]);
      return { name: target.slice(RELEASES.length + 1), since: info.mtime };
    } catch {
      return undefined;
    }
  }

  readManifest(name: string): Promise<ReleaseManifest | undefined> {
    return readJson<ReleaseManifest>(join(this.dir, RELEASES, `${name}${MANIFEST_SUFFIX}`));
  }

  /** Names of the published releases, most recently live (or published) first. */
  async releases(): Promise<string[]> {
    const entries = await readdir(join(this.dir, RELEASES)).catch(() => [] as string[]);
    const names = entries.filter((e) => !e.startsWith('.') && !e.endsWith(MANIFEST_SUFFIX));
    const times = await Promise.all(names.map((n) => stat(join(this.dir, RELEASES, `${n}${MANIFEST_SUFFIX}`)).then((s) => s.mtimeMs, () => 0)));
    return names.map((name, i) => ({ name, time: times[i]! })).sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1)).map((r) => r.name);
  }

  /**
   * Copies `source` into a new release named after `configHash` (with a suffix when that name is
   * taken), writes its manifest, and returns the name. Nothing is visible under the final name
   * until the copy is complete.
   */
  async publish(source: string, release: ReleaseRef, configHash: string): Promise<string> {
    const releases = join(this.dir, RELEASES);
    await mkdir(releases, { recursive: true });
    const tmp = join(releases, `.tmp-${randomBytes(4).toString('hex')}`);
    try {
      await cp(source, tmp, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
      const manifest: ReleaseManifest = { release, configHash, files: await hashTree(tmp) };
      const name = await this.freeName(fileSafe(configHash));
      await writeAtomic(join(releases, `${name}${MANIFEST_SUFFIX}`), JSON.stringify(manifest, null, 2));
      await rename(tmp, join(releases, name));
      return name;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Names of the releases published for `configHash`, whether intact or not. */
  async releasesOf(configHash: string): Promise<string[]> {
    const base = fileSafe(configHash);
    return (await this.releases()).filter((name) => name === base || name.startsWith(`${base}.`));
  }

  /** Makes `name` the live release in one atomic rename, and marks it most recently live. */
  async switchTo(name: string): Promise<void> {
    const tmp = join(this.dir, `.current-${randomBytes(4).toString('hex')}`);
    await symlink(`${RELEASES}/${name}`, tmp);
    try {
      await rename(tmp, this.currentPath);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    const now = new Date();
    await utimes(join(this.dir, RELEASES, `${name}${MANIFEST_SUFFIX}`), now, now).catch(() => undefined);
  }

  /** Takes the site offline: removes `current`, keeps the releases. Idempotent. */
  async unpublish(): Promise<void> {
    await rm(this.currentPath, { force: true });
  }

  /** Deletes a release and its manifest. Idempotent. */
  async deleteRelease(name: string): Promise<void> {
    await rm(join(this.dir, RELEASES, name), { recursive: true, force: true });
    await rm(join(this.dir, RELEASES, `${name}${MANIFEST_SUFFIX}`), { force: true });
  }

  /** Keeps the `keep` most recently live releases (the live one always), and deletes the rest and any leftover temporary copy. */
  async prune(keep: number): Promise<void> {
    const live = (await this.live())?.name;
    const names = await this.releases();
    const kept = new Set([...(live ? [live] : []), ...names.filter((n) => n !== live).slice(0, Math.max(0, keep - (live ? 1 : 0)))]);
    const leftovers = (await readdir(join(this.dir, RELEASES)).catch(() => [] as string[])).filter((e) => e.startsWith('.tmp-'));
    await Promise.all([...names.filter((n) => !kept.has(n)).map((n) => this.deleteRelease(n)), ...leftovers.map((e) => rm(join(this.dir, RELEASES, e), { recursive: true, force: true }))]);
  }

  /** Deletes the unit's directory, and its environment's directory when that is left empty. Idempotent. */
  async delete(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await rmdir(join(this.dir, '..')).catch(() => undefined);
  }

  private async freeName(base: string): Promise<string> {
    const taken = new Set(await readdir(join(this.dir, RELEASES)).catch(() => [] as string[]));
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}.${n}`;
      if (!taken.has(name) && !taken.has(`${name}${MANIFEST_SUFFIX}`)) return name;
    }
  }
}

/** Every unit directory under `webRoot` (`<environment>/<service>` with a `unit.json` or a `current`). */
export async function listUnitDirs(webRoot: string): Promise<{ environment: string; service: string }[]> {
  const found: { environment: string; service: string }[] = [];
  for (const environment of await readdir(webRoot).catch(() => [] as string[])) {
    for (const service of await readdir(join(webRoot, environment)).catch(() => [] as string[])) {
      const dir = join(webRoot, environment, service);
      const marked = await Promise.all([lstat(join(dir, 'unit.json')), lstat(join(dir, CURRENT))].map((p) => p.then(() => true, () => false)));
      if (marked.some(Boolean)) found.push({ environment, service });
    }
  }
  return found;
}

/** A configuration hash as a file name: anything but letters, digits, `_` and `-` becomes `_`. */
export function fileSafe(hash: string): string {
  return hash.replace(/[^A-Za-z0-9_-]/g, '_');
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
