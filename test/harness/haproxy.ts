/**
 * A throwaway HAProxy in the root namespace: one HTTP frontend on 127.0.0.1 at a free port, one
 * backend whose servers are test hosts' service ports (health-checked every 100 ms), and the
 * runtime API on a unix socket at admin level. It never retries a request on another connection
 * (`retries 0`), so a request sent to a server that goes away fails: only draining protects it.
 * Stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/runtimes/kit/ports.js';
import { waitForPort } from './sshd.js';
import { until } from '../helpers/until.js';

export interface HaproxyServer {
  /** Server name in the backend. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

export interface HaproxyOptions {
  readonly servers: readonly HaproxyServer[];
  /** Backend name (default `app`). */
  readonly backend?: string;
  /** Health check path (default `/healthz`). */
  readonly checkPath?: string;
}

export interface Haproxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly backend: string;
  /** The runtime API socket (`stats socket … level admin`). */
  readonly socket: string;
  readonly process: ChildProcess;
  /** Stops HAProxy by its pid and deletes its directory. Idempotent. */
  stop(): Promise<void>;
}

const HAPROXY = '/usr/sbin/haproxy';

/** HAProxy's configuration for `options`, listening on `port` with its API on `socket`. */
export function haproxyConfig(options: HaproxyOptions, port: number, socket: string): string {
  const backend = options.backend ?? 'app';
  return [
    'global',
    `  stats socket ${socket} level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 10s',
    '  timeout server 10s',
    '  retries 0',
    'frontend web',
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${backend}`,
    `backend ${backend}`,
    '  balance roundrobin',
    `  option httpchk GET ${options.checkPath ?? '/healthz'}`,
    '  default-server inter 100ms fall 2 rise 2',
    ...options.servers.map((s) => `  server ${s.name} ${s.address}:${s.port} check`),
    '',
  ].join('\n');
}

/** Starts HAProxy; resolves once its frontend accepts connections. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} not found: install haproxy`);
  const dir = mkdtempSync(join(tmpdir(), 'slipway-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(options, port, socket));
  const child = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Ready once it answers on its port and its admin socket exists (it makes them one after the other).
    const ready = async () => {
      await waitForPort('127.0.0.1', port);
      await until('haproxy makes its admin socket', async () => existsSync(socket) || undefined, 30_000, 20);
    };
    await Promise.race([ready(), new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`haproxy exited (${code}): ${stderr}`))))]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, backend: options.backend ?? 'app', socket, process: child, stop };
}
