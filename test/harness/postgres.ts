/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a fresh temporary directory, durability
 * off (fsync, full-page writes, synchronous commit), listening on 127.0.0.1 only at a free port and
 * on a unix socket inside that directory. Missing binaries fail loudly with what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** URL of the `postgres` database as superuser `postgres` (no password). */
  readonly url: string;
  /** Creates an empty database and returns its URL. Each call gives a new one. */
  newDatabase(): Promise<string>;
  /** Stops the server (by its pid) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install it with `apt-get install postgresql`';
const READY = 'database system is ready to accept connections';

/**
 * The directory holding `initdb` and `postgres`: the newest `/usr/lib/postgresql/<version>/bin`,
 * else the first `PATH` entry that has both. Throws, naming the package to install, when none does.
 */
export function findPostgresBin(options: { libDir?: string; path?: string } = {}): string {
  const libDir = options.libDir ?? '/usr/lib/postgresql';
  const versions = existsSync(libDir) ? readdirSync(libDir).sort((a, b) => Number(b) - Number(a)) : [];
  const candidates = [...versions.map((v) => join(libDir, v, 'bin')), ...(options.path ?? process.env.PATH ?? '').split(delimiter)];
  const found = candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  if (!found) throw new Error(`PostgreSQL server binaries (initdb, postgres) not found in ${libDir}/*/bin or PATH: ${INSTALL_HINT}`);
  return found;
}

/** Initialises and starts a cluster; resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const user = serverUser();
  const base = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
  const data = join(base, 'data');
  let server: ChildProcess | undefined;
  let port = 0;
  try {
    if (user.owner) chownSync(base, user.owner.uid, user.owner.gid);
    const init = spawnSync(...user.command(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']), {
      encoding: 'utf8',
    });
    if (init.status !== 0) throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}):\n${init.stderr}`);
    // Another process may take the free port before postgres binds it: then try another.
    for (let attempt = 1; !server; attempt++) {
      port = await freePort();
      const settings = { listen_addresses: '127.0.0.1', port, unix_socket_directories: base, fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' };
      const args = ['-D', data, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
      const candidate = spawn(...user.command(join(bin, 'postgres'), args), { stdio: ['ignore', 'ignore', 'pipe'] });
      try {
        await waitReady(candidate);
        server = candidate;
      } catch (error) {
        candidate.kill('SIGKILL');
        if (attempt === 3 || !String(error).includes('could not bind')) throw error;
      }
    }
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  let stopping: Promise<void> | undefined;
  const running = server;
  return {
    url,
    async newDatabase() {
      const name = `test_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop() {
      stopping ??= stopServer(running).finally(() => rmSync(base, { recursive: true, force: true }));
      return stopping;
    },
  };
}

/** Who runs initdb and postgres: this process's user, or `postgres` when this is root (initdb refuses root). */
interface ServerUser {
  /** Owner to give the cluster's directory, when not this process's user. */
  readonly owner?: { uid: number; gid: number };
  /** The command line that runs `file args` as that user. */
  command(file: string, args: string[]): [string, string[]];
}

function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return { command: (file, args) => [file, args] };
  const entry = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).stdout.split(':');
  const [uid, gid] = [Number(entry[2]), Number(entry[3])];
  if (entry.length < 4 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(`running as root, the tests need the \`postgres\` system user to run initdb, and there is none: ${INSTALL_HINT}`);
  }
  if (spawnSync('setpriv', ['--version']).status !== 0) {
    throw new Error('running as root, the tests need `setpriv` to run initdb as `postgres`: install it with `apt-get install util-linux`');
  }
  // setpriv execs in place, so the child's pid is the postmaster's own.
  return {
    owner: { uid, gid },
    command: (file, args) => ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', file, ...args]],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves when the server logs that it accepts connections; rejects if it exits or takes 15 s. */
function waitReady(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const settle = (error?: Error) => {
      clearTimeout(timer);
      server.off('error', settle).off('exit', exited);
      server.stderr?.off('data', read).resume(); // keep draining the log, unread
      if (error) reject(error);
      else resolve();
    };
    const exited = (code: number | null, signal: string | null) => settle(new Error(`postgres exited (${code ?? signal}) before it was ready:\n${log}`));
    const read = (chunk: string) => {
      log += chunk;
      if (log.includes(READY)) settle();
    };
    const timer = setTimeout(() => settle(new Error(`postgres did not become ready within 15 s:\n${log}`)), 15_000);
    server.once('error', settle).once('exit', exited);
    server.stderr?.setEncoding('utf8').on('data', read);
  });
}

/** Fast shutdown of the postmaster, by its pid (setpriv exec'd into it); waits for it to exit. */
function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGINT');
  });
}
