/**
 * Manifests of published directories: every file's sha256 (and every symbolic link's target),
 * written when a release is published and compared later to find what was changed by hand.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Relative path (with `/`) → `sha256:<hex>` for a file, `link:<target>` for a symbolic link. */
export type FileHashes = Readonly<Record<string, string>>;

/** One difference between a manifest and the directory now. */
export interface FileDrift {
  readonly path: string;
  readonly change: 'changed' | 'added' | 'removed';
}

/** Hashes every file under `dir`, in path order. Directories are implied by their files; other kinds (sockets, fifos) are ignored. */
export async function hashTree(dir: string): Promise<FileHashes> {
  const hashes: Record<string, string> = {};
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) hashes[path] = `link:${await readlink(join(dir, path))}`;
      else if (entry.isFile()) hashes[path] = await hashFile(join(dir, path));
    }
  };
  await walk('');
  return hashes;
}

/** What differs between `expected` and `actual`, by path; empty when they are equal. */
export function diffHashes(expected: FileHashes, actual: FileHashes): FileDrift[] {
  const paths = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return paths.flatMap((path): FileDrift[] => {
    const [was, is] = [expected[path], actual[path]];
    if (was === is) return [];
    return [{ path, change: was === undefined ? 'added' : is === undefined ? 'removed' : 'changed' }];
  });
}

/** `drift: index.html changed, extra.js added` — the words a person reads in status and events. */
export function describeDrift(drift: readonly FileDrift[]): string {
  return `drift: ${drift.map((d) => `${d.path} ${d.change}`).join(', ')}`;
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(`sha256:${hash.digest('hex')}`));
  });
}
