/**
 * The layout of a unit in a web root (on this machine or on a host over SSH: `site-files.ts`), and
 * the only code that writes it:
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
import { posix } from 'node:path';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';
import { z } from 'zod';
import { StoredReleaseRef, StoredUnitRecord, type UnitRecord } from '../kit/state-files.js';
import type { FileHashes } from './manifest.js';
import { readJson, type SiteFiles } from './site-files.js';

const { join } = posix;

/** What `releases/<name>.manifest.json` holds. */
export interface ReleaseManifest {
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly files: FileHashes;
}


/** The shape a manifest must have to be used; another is read as no manifest (the release then differs entirely). */
const StoredManifest: z.ZodType<ReleaseManifest> = z.object({ release: StoredReleaseRef, configHash: z.string(), files: z.record(z.string(), z.string()) });

const RELEASES = 'releases';
const CURRENT = 'current';
const MANIFEST_SUFFIX = '.manifest.json';

/** One unit's directory in the web root. */
export class UnitDir {
  readonly dir: string;

  constructor(
    private readonly files: SiteFiles,
    webRoot: string,
    key: Pick<UnitKey, 'environment' | 'service'>,
  ) {
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
    return readJson(this.files, join(this.dir, 'unit.json'), StoredUnitRecord);
  }

  /** Writes the unit record atomically. */
  async writeRecord(record: UnitRecord): Promise<void> {
    await this.files.makeDir(this.dir);
    await this.writeAtomic(join(this.dir, 'unit.json'), JSON.stringify(record, null, 2));
  }

  /** The live release's name and when it went live; undefined when nothing is published. */
  async live(): Promise<{ name: string; since: Date } | undefined> {
    try {
      const [target, since] = await Promise.all([this.files.readLink(this.currentPath), this.files.modifiedAt(this.currentPath)]);
      return { name: target.slice(RELEASES.length + 1), since };
    } catch {
      return undefined;
    }
  }

  readManifest(name: string): Promise<ReleaseManifest | undefined> {
    return readJson(this.files, join(this.dir, RELEASES, `${name}${MANIFEST_SUFFIX}`), StoredManifest);
  }

  /** Names of the published releases, most recently live (or published) first. */
  async releases(): Promise<string[]> {
    const entries = await this.files.list(join(this.dir, RELEASES)).catch(() => [] as string[]);
    const names = entries.filter((e) => !e.startsWith('.') && !e.endsWith(MANIFEST_SUFFIX));
    const times = await Promise.all(names.map((n) => this.files.modifiedAt(join(this.dir, RELEASES, `${n}${MANIFEST_SUFFIX}`)).then((at) => at.getTime(), () => 0)));
    return names.map((name, i) => ({ name, time: times[i]! })).sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1)).map((r) => r.name);
  }

  /**
   * Copies `source` into a new release named after `configHash` (with a suffix when that name is
   * taken), writes its manifest, and returns the name. Nothing is visible under the final name
   * until the copy is complete.
   */
  async publish(source: string, release: ReleaseRef, configHash: string): Promise<string> {
    const releases = join(this.dir, RELEASES);
    await this.files.makeDir(releases);
    const tmp = join(releases, `.tmp-${randomBytes(4).toString('hex')}`);
    try {
      await this.files.copyIn(source, tmp);
      const manifest: ReleaseManifest = { release, configHash, files: await this.files.hashTree(tmp) };
      const name = await this.freeName(fileSafe(configHash));
      await this.writeAtomic(join(releases, `${name}${MANIFEST_SUFFIX}`), JSON.stringify(manifest, null, 2));
      await this.files.rename(tmp, join(releases, name));
      return name;
    } finally {
      await this.files.remove(tmp);
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
    await this.files.symlink(`${RELEASES}/${name}`, tmp);
    try {
      await this.files.rename(tmp, this.currentPath);
    } catch (error) {
      await this.files.remove(tmp);
      throw error;
    }
    await this.files.setModifiedAt(join(this.dir, RELEASES, `${name}${MANIFEST_SUFFIX}`), new Date()).catch(() => undefined);
  }

  /** Takes the site offline: removes `current`, keeps the releases. Idempotent. */
  async unpublish(): Promise<void> {
    await this.files.remove(this.currentPath);
  }

  /** Deletes a release and its manifest. Idempotent. */
  async deleteRelease(name: string): Promise<void> {
    await this.files.remove(join(this.dir, RELEASES, name));
    await this.files.remove(join(this.dir, RELEASES, `${name}${MANIFEST_SUFFIX}`));
  }

  /** Keeps the `keep` most recently live releases (the live one always), and deletes the rest and any leftover temporary copy. */
  async prune(keep: number): Promise<void> {
    const live = (await this.live())?.name;
    const names = await this.releases();
    const kept = new Set([...(live ? [live] : []), ...names.filter((n) => n !== live).slice(0, Math.max(0, keep - (live ? 1 : 0)))]);
    const leftovers = (await this.files.list(join(this.dir, RELEASES)).catch(() => [] as string[])).filter((e) => e.startsWith('.tmp-'));
    await Promise.all([...names.filter((n) => !kept.has(n)).map((n) => this.deleteRelease(n)), ...leftovers.map((e) => this.files.remove(join(this.dir, RELEASES, e)))]);
  }

  /** Deletes the unit's directory, and its environment's directory when that is left empty. Idempotent. */
  async delete(): Promise<void> {
    await this.files.remove(this.dir);
    await this.files.removeEmptyDir(join(this.dir, '..')).catch(() => undefined);
  }

  private async writeAtomic(path: string, text: string): Promise<void> {
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await this.files.writeText(tmp, text);
    await this.files.rename(tmp, path);
  }

  private async freeName(base: string): Promise<string> {
    const taken = new Set(await this.files.list(join(this.dir, RELEASES)).catch(() => [] as string[]));
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}.${n}`;
      if (!taken.has(name) && !taken.has(`${name}${MANIFEST_SUFFIX}`)) return name;
    }
  }
}

/**
 * Every unit directory under `webRoot` (`<environment>/<service>` with a `unit.json` or a
 * `current`); none when `webRoot` does not exist. Rejects when `webRoot` cannot be read.
 */
export async function listUnitDirs(files: SiteFiles, webRoot: string): Promise<{ environment: string; service: string }[]> {
  const found: { environment: string; service: string }[] = [];
  if (!(await files.exists(webRoot))) return found;
  for (const environment of await files.list(webRoot)) {
    for (const service of await files.list(join(webRoot, environment)).catch(() => [] as string[])) {
      const dir = join(webRoot, environment, service);
      const marked = await Promise.all([files.exists(join(dir, 'unit.json')), files.exists(join(dir, CURRENT))]);
      if (marked.some(Boolean)) found.push({ environment, service });
    }
  }
  return found;
}

/** A configuration hash as a file name: anything but letters, digits, `_` and `-` becomes `_`. */
export function fileSafe(hash: string): string {
  return hash.replace(/[^A-Za-z0-9_-]/g, '_');
}
