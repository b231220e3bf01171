import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNginx, type NginxServer } from './nginx.js';

describe('nginx harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-nginx-test-'));
  let server: NginxServer | undefined;
  afterEach(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a root behind a symbolic link, follows a switch at once, and stops by its pid', async () => {
    for (const v of ['a', 'b']) {
      mkdirSync(join(dir, v));
      writeFileSync(join(dir, v, 'index.html'), v);
    }
    symlinkSync('a', join(dir, 'current'));
    server = await startNginx({ root: join(dir, 'current') });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${server.url}/`)).text()).toBe('a');
    symlinkSync('b', join(dir, 'next'));
    renameSync(join(dir, 'next'), join(dir, 'current'));
    expect(await (await fetch(`${server.url}/`)).text()).toBe('b');
    expect((await fetch(`${server.url}/missing`)).status).toBe(404);
    await server.stop();
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
    await server.stop();
  });
});
