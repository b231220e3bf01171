/**
 * nginx for tests: its own prefix and configuration in a temporary directory, listening on
 * 127.0.0.1 at a free port and serving one directory as its root (symbolic links followed on every
 * request, nothing cached), stopped by its pid. A missing nginx fails loudly, naming the package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/runtimes/kit/ports.js';
import { requireProgram, stopChild } from './podman.js';

/** A running nginx. */
export interface NginxServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops nginx by its pid and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Starts nginx serving `root` (which may be a symbolic link, such as a static site's `current`); resolves once it answers. */
export async function startNginx(options: { root: string }): Promise<NginxServer> {
  const nginx = requireProgram('nginx', 'nginx');
  const prefix = mkdtempSync(join(tmpdir(), 'slipway-nginx-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, config(prefix, port, options.root));
    const child = spawn(nginx, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await waitReady(child, port, () => `${stderr}${readLog(prefix)}`);
    } catch (error) {
      await stopChild(child);
      if (attempt < 3 && String(error).includes('Address already in use')) continue;
      rmSync(prefix, { recursive: true, force: true });
      throw error;
    }
    let stopping: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      stop: () => (stopping ??= stopChild(child).finally(() => rmSync(prefix, { recursive: true, force: true }))),
    };
  }
}

function config(prefix: string, port: number, root: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => {
    mkdirSync(join(prefix, kind), { recursive: true });
    return `  ${kind}_temp_path ${join(prefix, kind)};`;
  });
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'error.log')} warn;`,
    // As root, workers would otherwise run as nobody and could not enter the 0700 temporary directories.
    ...(process.getuid?.() === 0 ? ['user root root;'] : []),
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    ...temp,
    '  types { text/html html; text/plain txt; text/css css; application/javascript js; }',
    '  default_type application/octet-stream;',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    root ${root};`,
    '    location / { }',
    '  }',
    '}',
    '',
  ].join('\n');
}

async function waitReady(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`nginx did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function readLog(prefix: string): string {
  try {
    return readFileSync(join(prefix, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
