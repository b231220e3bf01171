/** The session protocol against a local `sh`: the same script and stdin a host gets over SSH. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteCommandError, type ExecOptions, type ExecResult } from '../kit/ssh/connection.js';
import { HostSession } from './session.js';
import { packDirectory } from '../kit/ssh/archive.js';

/**
 * A directory of BusyBox applets (sh, dd, head, tar, …), as on a host without GNU coreutils
 * (Alpine): a session run with only it on PATH must work too.
 */
const busybox = mkdtempSync(join(tmpdir(), 'slipway-busybox-'));
const installed = spawnSync('busybox', ['--install', '-s', busybox], { encoding: 'utf8' });
if (installed.status !== 0) throw new Error(`busybox --install failed (install busybox-static): ${installed.error?.message ?? installed.stderr}`);
afterAll(() => rmSync(busybox, { recursive: true, force: true }));

/** Runs `script` with `sh -c` here, as a host's login shell would; with `tools`, only those are on PATH. */
function local(script: string, options: ExecOptions, tools?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const env = tools ? { ...process.env, PATH: tools } : process.env;
    const child = spawn(tools ? join(tools, 'sh') : 'sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined);
    if (options.stdin) options.stdin.pipe(child.stdin);
    else child.stdin.end();
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: '', stderr }));
  });
}

describe.each([
  ['HostSession', undefined],
  ['HostSession on a BusyBox host', busybox],
])('%s', (_name, tools) => {
  let dir: string;
  let base: string;
  let archive: Buffer;
  const open = (key = 'k1') => new HostSession('here', (script, options) => local(script, options, tools), base, key);
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
      new HostSession('here', (script, options) => (scripts.push(script), local(script, options, tools)), base, key, known);
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
