/**
 * Running one step of a build: a program in its own process group, its output read as lines
 * (stdout and stderr together, as a terminal would show them) and handed on as they come.
 */
import { spawn } from 'node:child_process';
import { SlipwayError } from '../errors.js';
import { LineSplitter } from '../runtimes/kit/lines.js';

export interface StepOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting kills the step's whole process group; the promise then rejects with the reason. */
  readonly signal?: AbortSignal;
  /** Each line of output, as it comes. */
  readonly onLine?: (line: string) => void;
  /** Written to the step's standard input, which is then closed. */
  readonly input?: string;
}

/**
 * Runs `command` with `args` and resolves once it exits 0; rejects with `build-failed` naming the
 * step (`what`) and its exit code or signal otherwise, or with the signal's reason once aborted.
 */
export function runStep(what: string, command: string, args: readonly string[], options: StepOptions = {}): Promise<void> {
  const { signal, onLine = () => {} } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    signal?.addEventListener('abort', kill, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      const lines = new LineSplitter();
      stream.on('data', (chunk: Buffer) => lines.push(chunk).forEach(onLine));
      stream.on('end', () => lines.end().forEach(onLine));
    }
    child.stdin.on('error', () => {}); // a step that exits without reading its input
    child.stdin.end(options.input ?? '');
    child.once('error', (error) => {
      signal?.removeEventListener('abort', kill);
      reject(new SlipwayError('build-failed', `${what}: could not run ${command}: ${error.message}`));
    });
    child.once('close', (code, killedBy) => {
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) reject(signal.reason);
      else if (code === 0) resolve();
      else reject(new SlipwayError('build-failed', `${what} failed: ${code === null ? `killed by ${killedBy}` : `exit code ${code}`}`));
    });
  });
}
