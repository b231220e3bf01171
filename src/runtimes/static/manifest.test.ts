import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeDrift, diffHashes, hashTree } from './manifest.js';

describe('manifests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-manifest-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hash files by relative path, and links by target', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'x.txt'), 'x');
    symlinkSync('a/b/x.txt', join(dir, 'link'));
    expect(await hashTree(dir)).toEqual({
      'a/b/x.txt': 'sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
      link: 'link:a/b/x.txt',
    });
  });

  it('diff into changed, added and removed paths, and say so in words', () => {
    const drift = diffHashes({ 'index.html': 'sha256:1', 'gone.css': 'sha256:2', same: 'sha256:3' }, { 'index.html': 'sha256:9', 'new.js': 'sha256:4', same: 'sha256:3' });
    expect(drift).toEqual([
      { path: 'gone.css', change: 'removed' },
      { path: 'index.html', change: 'changed' },
      { path: 'new.js', change: 'added' },
    ]);
    expect(describeDrift(drift)).toBe('drift: gone.css removed, index.html changed, new.js added');
    expect(diffHashes({ a: 'sha256:1' }, { a: 'sha256:1' })).toEqual([]);
  });
});
