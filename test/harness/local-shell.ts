/**
 * A host's shell, here: runs the scripts the `ssh` runtime sends to hosts with `sh -c`, as a host's
 * login shell would, with stdin and stdout streamed as over an exec channel. With a BusyBox
 * directory, only BusyBox's applets (sh, tail, head, tar, wget…) are on PATH, as on a host without
 * GNU coreutils (Alpine): the scripts must work there too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecOptions, ExecResult } from '../../src/runtimes/kit/ssh/connection.js';

/** A directory holding a link to busybox for each of its applets; `remove()` deletes it. */
export function busyboxTools(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-busybox-'));
  const installed = spawnSync('busybox', ['--install', '-s', dir], { encoding: 'utf8' });
  if (installed.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`busybox --install failed (install busybox-static): ${installed.error?.message ?? installed.stderr}`);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `script` with `sh -c` here; with `tools`, with only that directory on PATH (its `sh` too).
 * Resolves with the exit status and stderr (stdout goes to `onStdout`); aborting `signal` kills it.
 */
export function localShell(script: string, options: ExecOptions, tools?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const env = tools ? { ...process.env, PATH: tools } : process.env;
    const child = spawn(tools ? join(tools, 'sh') : 'sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    const abort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', abort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined);
    if (options.stdin) options.stdin.pipe(child.stdin);
    else child.stdin.end();
    child.once('error', reject);
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', abort);
      resolve({ code, stdout: '', stderr });
    });
  });
}
