/** Runs the real `slipway` CLI as a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unusedPort } from './ports.js';

const root = resolve(import.meta.dirname, '../..');

/** The newest modification time of `dir` and everything under it but tests (a deleted file changes its directory's). */
function newestUnder(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * How to start the CLI: the build (`dist/slipway/bin.js`, what the installed `slipway` runs) when it
 * is newer than everything under src/, as after `npm test`'s build step; otherwise the source
 * through tsx (the build is stale, or missing). A start through tsx costs about three times as
 * much (here 3 s against 1.2 s on a loaded two-core machine), and some tests start the CLI
 * dozens of times.
 */
const cliCommand: readonly string[] = builtCli() ?? [process.execPath, '--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts')];

/** `node dist/slipway/bin.js`, what the installed `slipway` runs, when the build is newer than everything under src/; else undefined. */
export function builtCli(): readonly string[] | undefined {
  const built = join(root, 'dist/slipway/bin.js');
  try {
    if (statSync(built).mtimeMs > newestUnder(join(root, 'src'))) return [process.execPath, built];
  } catch {
    // not built
  }
  return undefined;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run the CLI: working directory, extra environment, standard input, and the umask it starts with. */
export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Set by a shell that then becomes the CLI (same pid); default: this process's. */
  readonly umask?: number;
}

/** Runs `slipway …args` to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
  return new Promise((resolvePromise, reject) => {
    child.process.on('error', reject);
    child.process.on('close', (code) => resolvePromise({ code, stdout: child.stdout(), stderr: child.stderr() }));
  });
}

export interface RunningCli {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves once stdout contains `text`; rejects if the process exits first or after `timeoutMs`
   * (default 90 s: a start that cuts and deploys releases takes tens of seconds on a loaded machine).
   */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `slipway …args` and returns at once; `input`, when given, is written to its standard input. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const command = [...cliCommand, ...args];
  const umask = options.umask?.toString(8).padStart(3, '0');
  const [file, ...argv] = umask === undefined ? command : ['/bin/sh', '-c', `umask ${umask} && exec "$@"`, 'sh', ...command];
  const child = spawn(file!, argv, {
    cwd: options.cwd ?? root,
    env: { ...process.env, SLIPWAY_ACTOR: 'tester', ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text, timeoutMs = 90_000) =>
      new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const check = () => {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolvePromise();
        };
        child.stdout!.on('data', check);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`slipway exited (${code}) before printing "${text}"\nstdout:\n${out}\nstderr:\n${err}`));
        });
        check();
      }),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A copy of an example project, its fixed ports moved to ones free on this machine. */
export interface ExampleCopy {
  readonly dir: string;
  /** The port the copy uses where the example says `declared` (a replica adds its index to either). */
  port(declared: number): number;
  /** Removes the copy. */
  cleanup(): void;
}

/**
 * A fresh copy of an example project in a temporary directory. The examples listen on fixed ports
 * (the quickstart on 7100, 7110, …: the README's story), which another test, or anything else on
 * this machine, may hold: every `http: <port>` and `127.0.0.1:<port>` in the copy's YAML files
 * moves to a free port, the same one wherever the same number appears.
 */
export function copyExample(name: string): ExampleCopy {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${name}-`));
  cpSync(join(root, 'examples', name), dir, { recursive: true, filter: (src) => !src.includes('.slipway') });
  const moved = new Map<number, number>();
  const move = (declared: number) => {
    if (!moved.has(declared)) moved.set(declared, unusedPort());
    return moved.get(declared)!;
  };
  const rewrite = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) rewrite(path);
      else if (entry.name.endsWith('.yaml')) {
        const text = readFileSync(path, 'utf8');
        writeFileSync(path, text.replace(/\b(http: |127\.0\.0\.1:)(\d{2,5})\b/g, (_, before: string, port: string) => `${before}${move(Number(port))}`));
      }
    }
  };
  rewrite(dir);
  return {
    dir,
    port: (declared) => {
      const port = moved.get(declared);
      if (port === undefined) throw new Error(`the example ${name} declares no port ${declared}`);
      return port;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Pids of live processes whose working directory lies under `dir`: what runs from a project's artifacts. */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Kills each pid with SIGKILL, ignoring ones already gone. For test clean-up only. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * `slipway init` in `dir`, with the starter's fixed ports switched to `auto` so that tests never
 * collide with anything else listening on this machine.
 */
export async function initProject(dir: string): Promise<CliResult> {
  const result = await runCli(['init'], { cwd: dir });
  const file = join(dir, 'slipway.yaml');
  if (result.code === 0) writeFileSync(file, readFileSync(file, 'utf8').replace(/http: 80\d\d/g, 'http: auto'));
  return result;
}
