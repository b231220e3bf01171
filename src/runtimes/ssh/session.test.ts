/** The session protocol against a local `sh`: the same script and stdin a host gets over SSH. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteCommandError } from '../kit/ssh/connection.js';
import { busyboxTools, localShell } from '../../../test/harness/local-shell.js';
import { HostSession } from './session.js';
import { packDirectory } from '../kit/ssh/archive.js';

/** BusyBox's applets only (sh, dd, head, tar, …), as on a host without GNU coreutils: a session must work there too. */
const busybox = busyboxTools();
afterAll(() => busybox.remove());

describe.each([
  ['HostSession', undefined],
  ['HostSession on a BusyBox host', busybox.dir],
])('%s', (_name, tools) => {
  let dir: string;
  let base: string;
  let archive: Buffer;
  const open = (key = 'k1') => new HostSession('here', (script, options) => localShell(script, options, tools), base, key);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-session-'));
    base = join(dir, 'base');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.mjs'), 'console.log(1)\n');
    archive = await packDirectory(join(dir, 'app'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists an empty host, and ends with status 0 when nothing is asked', async () => {
    const session = open();
    expect(await session.inventory()).toMatchObject({ releases: new Set(), instances: [] });
    await session.end();
    expect(existsSync(base)).toBe(false);
  });

  it('uploads a release, runs a last script, and lists the release complete next time', async () => {
    const session = open();
    await session.inventory();
    await session.upload(archive, 'upload');
    expect(readFileSync(join(base, 'releases', 'k1', 'server.mjs'), 'utf8')).toBe('console.log(1)\n');
    expect(existsSync(join(base, 'releases', 'k1', '.slipway-release'))).toBe(true);
    expect(await session.run(`echo done >&2; exit 3`)).toMatchObject({ code: 3, stderr: 'done\n' });

    const again = open();
    expect((await again.inventory()).releases).toEqual(new Set(['k1']));
    writeFileSync(join(base, 'releases', 'k1', 'server.mjs'), 'kept\n');
    await again.upload(archive, 'upload');
    expect(await again.run(`[ "$(cat ${base}/releases/k1/server.mjs)" = kept ]`)).toMatchObject({ code: 0 });
  });

  it('given the inventory, lists nothing and opens no channel until a step needs one', async () => {
    const scripts: string[] = [];
    const known = { releases: new Set<string>(), instances: [], listening: new Set<number>() };
    const given = (key = 'k1') =>
      new HostSession('here', (script, options) => (scripts.push(script), localShell(script, options, tools)), base, key, known);
    const idle = given();
    expect(await idle.inventory()).toBe(known);
    await idle.end();
    expect(scripts).toEqual([]);

    const session = given();
    await session.upload(archive, 'upload');
    expect(readFileSync(join(base, 'releases', 'k1', 'server.mjs'), 'utf8')).toBe('console.log(1)\n');
    expect(await session.run('exit 4')).toMatchObject({ code: 4 });
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).not.toContain('@@tcp');
  });

  it('a failed upload rejects naming the host, and leaves no release', async () => {
    const session = open();
    await session.inventory();
    await expect(session.upload(Buffer.from('not a tar archive'), 'upload of release 2')).rejects.toThrow(RemoteCommandError);
    expect(readdirSync(join(base, 'releases'))).toEqual([]);
  });
});
