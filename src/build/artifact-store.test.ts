import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlipwayError } from '../errors.js';
import { artifactPath, snapshotDirectory } from './artifact-store.js';

let root: string;
let source: string;
let store: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-artifacts-'));
  source = join(root, 'src');
  store = join(root, 'store');
  await mkdir(join(source, 'bin'), { recursive: true });
  await writeFile(join(source, 'server.js'), 'console.log("hi")\n');
  await writeFile(join(source, 'bin', 'start'), '#!/bin/sh\nexec node server.js\n', { mode: 0o755 });
  await symlink('server.js', join(source, 'main.js'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('snapshotDirectory', () => {
  it('copies the tree into <store>/<hex>, keeping the executable bit and symlinks as links', async () => {
    const { digest, path } = await snapshotDirectory(source, store);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(path).toBe(join(store, digest.slice('sha256:'.length)));
    expect(await readFile(join(path, 'server.js'), 'utf8')).toBe('console.log("hi")\n');
    expect((await lstat(join(path, 'bin', 'start'))).mode & 0o111).not.toBe(0);
    expect((await lstat(join(path, 'server.js'))).mode & 0o111).toBe(0);
    expect(await readlink(join(path, 'main.js'))).toBe('server.js');
  });

  it('gives the same digest for the same content, whatever the timestamps', async () => {
    const first = await snapshotDirectory(source, store);
    await utimes(join(source, 'server.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const copy = join(root, 'copy');
    await mkdir(join(copy, 'bin'), { recursive: true });
    await writeFile(join(copy, 'bin', 'start'), '#!/bin/sh\nexec node server.js\n', { mode: 0o700 });
    await writeFile(join(copy, 'server.js'), 'console.log("hi")\n');
    await symlink('server.js', join(copy, 'main.js'));
    expect((await snapshotDirectory(source, store)).digest).toBe(first.digest);
    expect((await snapshotDirectory(copy, join(root, 'other-store'))).digest).toBe(first.digest);
  });

  it('gives another digest when a byte, a mode, a link target or a name changes', async () => {
    const digests = new Set([(await snapshotDirectory(source, store)).digest]);
    await writeFile(join(source, 'server.js'), 'console.log("hI")\n');
    digests.add((await snapshotDirectory(source, store)).digest);
    await chmod(join(source, 'server.js'), 0o755);
    digests.add((await snapshotDirectory(source, store)).digest);
    await rm(join(source, 'main.js'));
    await symlink('bin/start', join(source, 'main.js'));
    digests.add((await snapshotDirectory(source, store)).digest);
    await mkdir(join(source, 'empty'));
    digests.add((await snapshotDirectory(source, store)).digest);
    expect(digests.size).toBe(5);
  });

  it('leaves out .git and .slipway', async () => {
    const before = await snapshotDirectory(source, store);
    await mkdir(join(source, '.git'));
    await writeFile(join(source, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await mkdir(join(source, '.slipway'));
    const after = await snapshotDirectory(source, store);
    expect(after.digest).toBe(before.digest);
    expect(await readdir(after.path)).not.toContain('.git');
  });

  it('is idempotent and reuses a stored snapshot', async () => {
    const first = await snapshotDirectory(source, store);
    await writeFile(join(first.path, 'marker'), 'kept');
    const second = await snapshotDirectory(source, store);
    expect(second).toEqual(first);
    expect(await readFile(join(second.path, 'marker'), 'utf8')).toBe('kept');
  });

  it('lets concurrent snapshots of the same content both succeed, leaving no temporary directories', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => snapshotDirectory(source, store)));
    expect(new Set(results.map((r) => r.digest)).size).toBe(1);
    expect(await readdir(store)).toEqual([results[0]!.digest.slice('sha256:'.length)]);
  });

  it('never shows a directory named by a digest before it is complete', async () => {
    const files = 400;
    await mkdir(join(source, 'many'));
    await Promise.all(Array.from({ length: files }, (_, i) => writeFile(join(source, 'many', `f${i}`), String(i))));
    const snapshot = snapshotDirectory(source, store);
    let done = false;
    void snapshot.finally(() => (done = true));
    const incomplete: string[] = [];
    while (!done) {
      for (const name of await readdir(store).catch(() => [])) {
        if (name.startsWith('.tmp-')) continue;
        const count = (await readdir(join(store, name, 'many')).catch(() => [])).length;
        if (count !== files) incomplete.push(`${name}: ${count} files`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await snapshot;
    expect(incomplete).toEqual([]);
    expect((await readdir(store)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it('refuses sockets and FIFOs, storing nothing', async () => {
    execFileSync('mkfifo', [join(source, 'pipe')]);
    await expect(snapshotDirectory(source, store)).rejects.toMatchObject({ code: 'unsupported-file' });
    expect(await readdir(store).catch(() => [])).toEqual([]);
  });
});

describe('artifactPath', () => {
  it('names the snapshot directory of a digest', () => {
    expect(artifactPath('/store', `sha256:${'0'.repeat(64)}`)).toBe(`/store/${'0'.repeat(64)}`);
  });

  it('refuses anything but a sha256 digest', () => {
    expect(() => artifactPath('/store', 'sha256:../../etc')).toThrow(SlipwayError);
    expect(() => artifactPath('/store', 'abc')).toThrow('is not an artifact digest');
  });
});
