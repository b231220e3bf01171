import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startGitServer } from './git-server.js';

const run = promisify(execFile);

describe('git server harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-git-server-test-'));
  const env = { PATH: process.env['PATH'], HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };
  // Async: the server answers in this process, so a synchronous git would wait for itself.
  const git = async (...args: string[]) => (await run('git', args, { env })).stdout.trim();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves clone, ls-remote and pushes over HTTP, with lightweight and annotated tags, and stops', async () => {
    const server = await startGitServer();
    try {
      expect(server.url('shop')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/shop\.git$/);
      const first = await server.createRepository('shop', { 'README.md': 'shop\n', 'src/index.js': 'console.log(1)\n' });
      await server.tag('shop', 'v1.0.0');
      // Larger than git's 1 MB post buffer: the push goes chunked, without a Content-Length.
      const second = await server.commit('shop', { 'data.txt': 'x'.repeat(2_000_000) }, 'more');
      expect(await server.tag('shop', 'v1.1.0', { message: 'release 1.1.0' })).toBe(second);
      expect(await server.tag('shop', 'old', { commit: first })).toBe(first);

      const refs = await git('ls-remote', server.url('shop'));
      expect(refs).toContain(`${first}\trefs/tags/v1.0.0`);
      expect(refs).toContain(`${second}\trefs/tags/v1.1.0^{}`);
      expect(refs).toContain(`${second}\trefs/heads/main`);

      await git('clone', '--quiet', server.url('shop'), join(dir, 'clone'));
      expect(readFileSync(join(dir, 'clone', 'src', 'index.js'), 'utf8')).toBe('console.log(1)\n');
      expect(await git('-C', join(dir, 'clone'), 'rev-parse', 'HEAD')).toBe(second);
      expect(await git('-C', server.path('shop'), 'rev-parse', 'refs/tags/old')).toBe(first);

      // A push of many annotated tags (each its own object) from a clone, then a fetch wanting them
      // all: a request body over 1 KB, which git sends gzipped.
      const tags = Array.from({ length: 40 }, (_, i) => `many-${i}`);
      const identity = ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid'];
      for (const tag of tags) await git('-C', join(dir, 'clone'), ...identity, 'tag', '-a', '-m', tag, tag, first);
      await git('-C', join(dir, 'clone'), 'push', '--quiet', server.url('shop'), ...tags.map((tag) => `refs/tags/${tag}`));
      await git('init', '--quiet', join(dir, 'many'));
      await git('-C', join(dir, 'many'), 'fetch', '--quiet', server.url('shop'), 'refs/tags/many-*:refs/tags/many-*');
      expect((await git('-C', join(dir, 'many'), 'tag', '--list', 'many-*')).split('\n')).toHaveLength(40);

      await expect(git('ls-remote', server.url('missing'))).rejects.toThrow(/not found|404/i);
    } finally {
      await server.stop();
      await server.stop();
    }
    await expect(fetch(server.baseUrl)).rejects.toThrow();
  });

  it('without protocol v2 refuses a fetch of a commit that is no ref tip, until the repository allows it', async () => {
    const server = await startGitServer({ protocolV2: false });
    try {
      const first = await server.createRepository('shop', { a: '1' });
      await server.commit('shop', { a: '2' });
      await git('init', '--quiet', join(dir, 'v0'));
      const fetchFirst = () => git('-C', join(dir, 'v0'), 'fetch', '--quiet', '--depth', '1', server.url('shop'), first);
      await expect(fetchFirst()).rejects.toThrow(/unadvertised object|not our ref/);
      await server.configure('shop', 'uploadpack.allowReachableSHA1InWant', 'true');
      await fetchFirst();
      expect(await git('-C', join(dir, 'v0'), 'rev-parse', 'FETCH_HEAD')).toBe(first);
    } finally {
      await server.stop();
    }
  });
});
