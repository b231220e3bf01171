/**
 * The session protocol against a local `sh` (the same script and stdin a host gets over SSH), on GNU
 * and BusyBox tools, and over SSH to a host in a network namespace: a script whose channel ends
 * before it does is stopped, with nothing of it left running.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'ssh2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HostUnreachableError, RemoteCommandError, SshPool } from '../kit/ssh/connection.js';
import { busyboxTools, localShell } from '../../../test/harness/local-shell.js';
import { startSshHosts, type SshHosts } from '../../../test/harness/sshd.js';
import { groupRuns } from '../../../test/helpers/processes.js';
import { until } from '../../../test/helpers/until.js';
import { RuntimeError } from '../../errors.js';
import { sessionScript } from './remote.js';
import { HostSession, type RunScript } from './session.js';
import { packDirectory } from '../kit/ssh/archive.js';
import { trustedKeys } from '../kit/ssh/host-keys.js';
import { shQuote } from '../kit/ssh/quote.js';

/** A script that writes its process group (the session's runner, see `sessionScript`) to `pidFile`, sleeps, then creates `marker`. */
const sleeper = (pidFile: string, marker: string) => `echo $$ > ${shQuote(pidFile)}; sleep 20; touch ${shQuote(marker)}`;

/** The group `pidFile` names, once the script has written it. */
const groupOf = (pidFile: string) => until('the script runs', async () => Number(readFileSync(pidFile, 'utf8')) || undefined);

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
  const open = () => new HostSession('here', (script, options) => localShell(script, options, tools), base);
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
    await session.upload('k1', archive, 'upload');
    expect(readFileSync(join(base, 'releases', 'k1', 'server.mjs'), 'utf8')).toBe('console.log(1)\n');
    expect(existsSync(join(base, 'releases', 'k1', '.slipway-release'))).toBe(true);
    expect(await session.run(`echo done >&2; exit 3`)).toMatchObject({ code: 3, stderr: 'done\n' });

    const again = open();
    expect((await again.inventory()).releases).toEqual(new Set(['k1']));
    writeFileSync(join(base, 'releases', 'k1', 'server.mjs'), 'kept\n');
    await again.upload('k1', archive, 'upload');
    expect(await again.run(`[ "$(cat ${base}/releases/k1/server.mjs)" = kept ]`)).toMatchObject({ code: 0 });
  });

  it('waits to be asked: opened, it lists nothing and moves no file until its inventory is asked', async () => {
    mkdirSync(base);
    writeFileSync(join(base, 'events'), 'x'.repeat(1024 * 1024 + 1));
    const stdin = new PassThrough();
    const output: Buffer[] = [];
    const raw = localShell(sessionScript(base), { stdin, onStdout: (chunk) => output.push(chunk) }, tools);
    stdin.end();
    expect(await raw).toMatchObject({ code: 0, stderr: '' });
    expect(Buffer.concat(output).toString()).toBe('');
    expect(existsSync(`${join(base, 'events')}.1`)).toBe(false);
  });

  it('lists once, when first asked, however often its inventory is asked, and goes on over the same channel', async () => {
    const scripts: string[] = [];
    const session = new HostSession('here', (script, options) => (scripts.push(script), localShell(script, options, tools)), base);
    expect(scripts).toHaveLength(1);
    const listed = await session.inventory();
    expect(await session.inventory()).toBe(listed);
    await session.upload('k1', archive, 'upload');
    expect(readFileSync(join(base, 'releases', 'k1', 'server.mjs'), 'utf8')).toBe('console.log(1)\n');
    expect(await session.run('exit 4')).toMatchObject({ code: 4 });
    expect(scripts).toHaveLength(1);
  });

  it('moves an events file grown beyond 1 MiB aside as it lists, and leaves a smaller one', async () => {
    const events = join(base, 'events');
    mkdirSync(base);
    writeFileSync(events, 'x'.repeat(1024 * 1024));
    const listed = async () => {
      const session = open();
      await session.inventory();
      await session.end();
    };
    await listed();
    expect(readFileSync(events, 'utf8')).toHaveLength(1024 * 1024);
    writeFileSync(events, 'x'.repeat(1024 * 1024 + 1));
    await listed();
    expect(existsSync(events)).toBe(false);
    expect(readFileSync(`${events}.1`, 'utf8')).toHaveLength(1024 * 1024 + 1);
  });

  it('sends no release key that is not a plain name, and the host refuses one too', async () => {
    const session = open();
    await session.inventory();
    for (const key of ['../k1', 'k 1', '.k1', '$(touch x)', '']) await expect(session.upload(key, archive, 'upload')).rejects.toThrow(RuntimeError);
    expect(await session.run('exit 0')).toMatchObject({ code: 0 });

    const stdin = new PassThrough();
    const raw = localShell(sessionScript(base), { stdin, onStdout: () => {} }, tools);
    stdin.end(Buffer.concat([Buffer.from(`upload ../escaped ${archive.length}\n`), archive]));
    expect(await raw).toMatchObject({ code: 1, stderr: expect.stringContaining('not a release key: ../escaped') });
    expect(existsSync(base)).toBe(false); // nothing written: neither releases/ nor ../escaped
  });

  it('runs the script to its end while the client stays, and passes on its status and stderr', async () => {
    const session = open();
    await session.inventory();
    const pidFile = join(dir, 'pid');
    expect(await session.run(`echo $$ > ${pidFile}; sleep 1; echo slept >&2; exit 5`)).toMatchObject({ code: 5, stderr: 'slept\n' });
    await until('nothing of the session runs', async () => !groupRuns(Number(readFileSync(pidFile, 'utf8'))) || undefined);
  });

  it('stops a script whose channel ends before it does: nothing of it runs on, and it does nothing more', async () => {
    let cut = () => {};
    const session = new HostSession(
      'here',
      (script, options) => {
        const stdin = new PassThrough();
        options.stdin!.pipe(stdin);
        cut = () => (options.stdin!.unpipe(stdin), stdin.end());
        return localShell(script, { ...options, stdin }, tools);
      },
      base,
    );
    await session.inventory();
    const [pidFile, marker] = [join(dir, 'pid'), join(dir, 'marker')];
    const ran = session.run(sleeper(pidFile, marker));
    const group = await groupOf(pidFile);
    cut();
    expect((await ran).code).not.toBe(0);
    await until('the script has exited', async () => !groupRuns(group) || undefined);
    expect(existsSync(marker)).toBe(false);
  }, 60_000);

  it('a failed upload rejects naming the host, and leaves no release', async () => {
    const session = open();
    await session.inventory();
    await expect(session.upload('k1', Buffer.from('not a tar archive'), 'upload of release 2')).rejects.toThrow(RemoteCommandError);
    expect(readdirSync(join(base, 'releases'))).toEqual([]);
  });
});

describe('HostSession over SSH', () => {
  let lab: SshHosts;
  let dir: string;
  beforeAll(async () => {
    lab = await startSshHosts(1);
  });
  afterAll(async () => {
    await lab?.stop();
  });
  beforeEach(() => {
    dir = lab.userDir(join(lab.hosts[0]!.baseDir, `session-${Date.now()}`));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A pool to the host, and its ssh2 clients (to break the connection as a killed control plane would). */
  function connect() {
    const host = lab.hosts[0]!;
    const clients: Client[] = [];
    const pool = new SshPool((config) => {
      const client = new Client();
      clients.push(client);
      return client.connect(config);
    });
    const endpoint = {
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.user,
      privateKey: readFileSync(lab.identityFile),
      trusted: trustedKeys(host.address, host.port, readFileSync(lab.knownHostsFile, 'utf8')),
      connectTimeoutMs: 5_000,
    };
    const exec: RunScript = (script, options) => pool.exec(endpoint, `sh -c ${shQuote(script)}`, options);
    return { pool, clients, session: () => new HostSession(host.name, exec, join(dir, 'base')) };
  }

  it('passes on the status and stderr of a script that ends while the client stays, and leaves nothing running', async () => {
    const { pool, session } = connect();
    const pidFile = join(dir, 'pid');
    expect(await session().run(`echo $$ > ${pidFile}; sleep 1; echo slept >&2; exit 5`)).toMatchObject({ code: 5, stderr: 'slept\n' });
    await until('nothing of the session runs', async () => !groupRuns(Number(readFileSync(pidFile, 'utf8'))) || undefined);
    expect(await session().run('exit 0')).toMatchObject({ code: 0 });
    await pool.close();
  });

  it('stops the script when the connection breaks under it, and the script does nothing more', async () => {
    const { pool, clients, session } = connect();
    const [pidFile, marker] = [join(dir, 'pid'), join(dir, 'marker')];
    const ran = session().run(sleeper(pidFile, marker));
    const group = await groupOf(pidFile);
    clients[0]!.destroy();
    await expect(ran).rejects.toThrow(HostUnreachableError);
    await until('the script has exited', async () => !groupRuns(group) || undefined);
    expect(existsSync(marker)).toBe(false);
    await pool.close();
  }, 60_000);
});
