/**
 * Redis from Debian for tests: `redis-server` with its own configuration file and directory in a
 * temporary directory, listening on 127.0.0.1 only at a free port, its `default` user guarded by
 * a random password, stopped by its pid. Where it keeps the users made at run time is chosen:
 * its configuration file (by `CONFIG REWRITE`), an aclfile (by `ACL SAVE`), or nowhere (settings as
 * arguments, no file: users live only in memory). Nothing is saved to disk unless a test asks the server to
 * rewrite its configuration (which is how users made at run time outlive a restart). A missing
 * redis-server fails loudly, naming the package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/runtimes/kit/ports.js';
import { requireProgram, stopChild } from './podman.js';

/** A running redis-server. */
export interface RedisServer {
  /** `redis://default:<password>@127.0.0.1:<port>`: the server's admin. */
  readonly url: string;
  readonly port: number;
  /** Stops it by its pid and starts it again on the same port with the same file; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Stops it by its pid and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const READY = 'Ready to accept connections';
const READY_TIMEOUT_MS = 15_000;

/** Where a server keeps the users made at run time. */
export type UsersKept = 'config-file' | 'aclfile' | 'nowhere';

/** Starts a redis-server keeping users as `options.users` says (default: in its configuration file); resolves once it accepts connections. */
export async function startRedis(options: { users?: UsersKept } = {}): Promise<RedisServer> {
  const users = options.users ?? 'config-file';
  const program = requireProgram('redis-server', 'redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'slipway-redis-'));
  const configFile = join(dir, 'redis.conf');
  const password = randomBytes(18).toString('base64url');
  let child: ChildProcess | undefined;
  let port = 0;
  let args: string[] = [];
  try {
    // Another process may take the free port before redis-server binds it: then try another.
    for (let attempt = 1; !child; attempt++) {
      port = await freePort();
      const settings = config(dir, port);
      if (users === 'aclfile') {
        const aclfile = join(dir, 'users.acl');
        writeFileSync(aclfile, `user default on >${password} ~* &* +@all\n`, { mode: 0o600 });
        settings.push(['aclfile', aclfile]);
      } else settings.push(['requirepass', password]);
      if (users !== 'nowhere') writeFileSync(configFile, settings.map(([key, value]) => `${key} ${value}\n`).join(''), { mode: 0o600 });
      args = users === 'nowhere' ? settings.flatMap(([key, value]) => [`--${key}`, value === '""' ? '' : value]) : [configFile];
      try {
        child = await launch(program, args);
      } catch (error) {
        if (attempt === 3 || !String(error).includes('Address already in use')) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let running: ChildProcess = child;
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://default:${password}@127.0.0.1:${port}`,
    port,
    async restart() {
      await stopChild(running);
      running = await launch(program, args);
    },
    stop: () => (stopping ??= stopChild(running).finally(() => rmSync(dir, { recursive: true, force: true }))),
  };
}

/** Settings, as a file's lines or as `--name value` arguments. */
function config(dir: string, port: number): [string, string][] {
  return [
    ['bind', '127.0.0.1'],
    ['port', String(port)],
    ['dir', dir],
    ['daemonize', 'no'],
    ['save', '""'],
    ['appendonly', 'no'],
    ['loglevel', 'notice'],
    ['logfile', '""'],
  ];
}

/** Starts redis-server with `args`; resolves once it logs that it is ready, else rejects with its log (and it is stopped). */
async function launch(program: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => settle(new Error(`redis-server did not become ready within ${READY_TIMEOUT_MS / 1000} s:\n${log}`)), READY_TIMEOUT_MS);
      const read = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes(READY)) settle();
      };
      const exited = (code: number | null, signal: string | null) => settle(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${log}`));
      function settle(error?: Error) {
        clearTimeout(timer);
        child.off('exit', exited).off('error', settle);
        child.stdout!.off('data', read).resume(); // keep draining the log, unread
        child.stderr!.off('data', read).resume();
        if (error) reject(error);
        else resolve();
      }
      child.once('exit', exited).once('error', settle);
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}
