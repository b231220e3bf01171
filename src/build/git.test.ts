import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../../test/harness/git-server.js';
import { checkout, listRemoteTags, parseLsRemote, redactCredentials, resolveRef } from './git.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('parseLsRemote', () => {
  it('gives each ref its commit, an annotated tag its peeled commit, in the order listed', () => {
    const text = [
      `ref: refs/heads/main\tHEAD`,
      `${A}\tHEAD`,
      `${A}\trefs/heads/main`,
      `${B}\trefs/tags/v1.0.0`,
      `${C}\trefs/tags/v1.1.0`,
      `${A}\trefs/tags/v1.1.0^{}`,
      '',
      `${'d'.repeat(64)}\trefs/tags/sha256\r`,
      'garbage',
    ].join('\n');
    expect(parseLsRemote(text)).toEqual([
      { ref: 'HEAD', commit: A },
      { ref: 'refs/heads/main', commit: A },
      { ref: 'refs/tags/v1.0.0', commit: B },
      { ref: 'refs/tags/v1.1.0', commit: A },
      { ref: 'refs/tags/sha256', commit: 'd'.repeat(64) },
    ]);
    expect(parseLsRemote('')).toEqual([]);
  });

  it('keeps the peeled commit whichever line comes first', () => {
    expect(parseLsRemote(`${A}\trefs/tags/v1^{}\n${C}\trefs/tags/v1\n`)).toEqual([{ ref: 'refs/tags/v1', commit: A }]);
  });
});

describe('redactCredentials', () => {
  it.each([
    ['fatal: https://ann:hunter2@example.com/a.git not found', 'fatal: https://***@example.com/a.git not found'],
    ['https://ghp_token@github.com/acme/shop', 'https://***@github.com/acme/shop'],
    ['ssh://git@gitlab.example.com/g/shop.git', 'ssh://git@gitlab.example.com/g/shop.git'],
    ['ssh://git:hunter2@gitlab.example.com/g/shop.git', 'ssh://***@gitlab.example.com/g/shop.git'],
    ['git@github.com:acme/shop.git', 'git@github.com:acme/shop.git'],
  ])('%s', (text, redacted) => expect(redactCredentials(text)).toBe(redacted));
});

describe('git effects on real repositories', () => {
  let server: GitServer;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-git-test-'));
  let first: string;
  let second: string;
  let third: string;
  let count = 0;
  const fresh = () => join(dir, `checkout-${++count}`);

  beforeAll(async () => {
    server = await startGitServer();
    first = await server.createRepository('shop', { 'Dockerfile': 'FROM scratch\n', 'version.txt': '1\n' });
    await server.tag('shop', 'v1.0.0');
    second = await server.commit('shop', { 'version.txt': '2\n' });
    await server.tag('shop', 'v2.0.0', { message: 'release 2' });
    third = await server.commit('shop', { 'version.txt': '3\n', 'later.txt': 'later\n' });
    await server.createRepository('empty', { 'README.md': 'no tags\n' });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each([
    ['over HTTP (git http-backend)', (name: string) => server.url(name)],
    ['from a local path', (name: string) => server.path(name)],
    ['from a file:// URL', (name: string) => `file://${server.path(name)}`],
  ])('%s', (_, repo) => {
    it('lists lightweight and annotated tags with the commits they name', async () => {
      expect(await listRemoteTags(repo('shop'))).toEqual([
        { tag: 'v1.0.0', commit: first },
        { tag: 'v2.0.0', commit: second },
      ]);
      expect(await listRemoteTags(repo('empty'))).toEqual([]);
    });

    it('resolves tags, branches and full shas to commits, and refuses what names none', async () => {
      expect(await resolveRef(repo('shop'), 'v2.0.0')).toBe(second);
      expect(await resolveRef(repo('shop'), 'refs/tags/v1.0.0')).toBe(first);
      expect(await resolveRef(repo('shop'), 'main')).toBe(third);
      expect(await resolveRef(repo('shop'), first.toUpperCase())).toBe(first);
      await expect(resolveRef(repo('shop'), 'v9')).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('"v9"') });
      await expect(resolveRef(repo('shop'), first.slice(0, 7))).rejects.toMatchObject({ code: 'not-found' });
      await expect(resolveRef(repo('shop'), '--upload-pack=touch /tmp/x')).rejects.toMatchObject({ code: 'invalid-input' });
    });

    it("checks out exactly a tag's commit, not a later one, streaming git's lines", async () => {
      const into = fresh();
      const lines: string[] = [];
      await checkout(repo('shop'), second.toUpperCase(), into, { onLine: (line) => lines.push(line) });
      expect(readFileSync(join(into, 'version.txt'), 'utf8')).toBe('2\n');
      expect(existsSync(join(into, 'later.txt'))).toBe(false);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => !line.includes('\r') && !line.includes('\n'))).toBe(true);
    });

    it('refuses a commit the repository does not hold, naming it', async () => {
      const missing = 'e'.repeat(40);
      const failure = checkout(repo('shop'), missing, fresh());
      await expect(failure).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining(`commit ${missing} is not in`) });
    });
  });

  it('refuses a directory that is not empty, an abbreviated sha, and a repository that is neither a URL nor an absolute path', async () => {
    const into = fresh();
    mkdirSync(into);
    writeFileSync(join(into, 'stale'), '');
    await expect(checkout(server.url('shop'), first, into)).rejects.toMatchObject({ code: 'conflict' });
    await expect(checkout(server.url('shop'), first.slice(0, 12), fresh())).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(listRemoteTags('shop')).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(listRemoteTags('-oProxyCommand=x')).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it("tells git's own words when the repository is missing, never the password of its URL", async () => {
    const url = server.url('missing').replace('http://', 'http://ann:hunter2@');
    const error = (await listRemoteTags(url).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'git-failed' });
    expect(error.message).toMatch(/listing the tags of http:\/\/\*\*\*@127\.0\.0\.1:\d+\/missing\.git/);
    expect(error.message).toMatch(/not found|404/i);
    expect(error.message).not.toContain('hunter2');
  });

  it("ignores this machine's git configuration (HOME's .gitconfig)", async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.gitconfig'), `[url "http://127.0.0.1:9/"]\n\tinsteadOf = ${server.baseUrl}/\n`);
    const saved = process.env['HOME'];
    process.env['HOME'] = home;
    try {
      expect(await listRemoteTags(server.url('shop'))).toHaveLength(2);
    } finally {
      process.env['HOME'] = saved;
    }
  });

  it('falls back to fetching every branch and tag where the server gives no commit by its sha (protocol v0)', async () => {
    const old = await startGitServer({ protocolV2: false });
    try {
      const base = await old.createRepository('legacy', { 'version.txt': '1\n' });
      await old.commit('legacy', { 'version.txt': '2\n' });
      const into = fresh();
      const lines: string[] = [];
      await checkout(old.url('legacy'), base, into, { onLine: (line) => lines.push(line) });
      expect(readFileSync(join(into, 'version.txt'), 'utf8')).toBe('1\n');
      expect(lines).toContain('fetching the commit by its sha failed: fetching every branch and tag instead');
    } finally {
      await old.stop();
    }
  });
});

describe('a repository that never answers', () => {
  let silent: Server;
  let url: string;
  beforeAll(async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/shop.git`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('times out with git-failed', async () => {
    const started = Date.now();
    await expect(listRemoteTags(url, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'git-failed', message: expect.stringMatching(/did not finish .* within 0\.5 s/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("stops at once when aborted, with the signal's reason, also mid-checkout", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by ann')), 300);
    await expect(listRemoteTags(url, { signal: controller.signal })).rejects.toThrow('cancelled by ann');
    const during = new AbortController();
    setTimeout(() => during.abort(new Error('build cancelled')), 300);
    await expect(checkout(url, A, join(tmpdir(), `slipway-git-abort-${process.pid}`), { signal: during.signal })).rejects.toThrow('build cancelled');
    rmSync(join(tmpdir(), `slipway-git-abort-${process.pid}`), { recursive: true, force: true });
    await expect(listRemoteTags(url, { signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before');
  });
});
