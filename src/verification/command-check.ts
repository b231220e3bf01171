/** Smoke tests: a command run against the new release; exit 0 passes. */
import { spawn as nodeSpawn } from 'node:child_process';
import { errorMessage } from '../errors.js';
import { formatValue, tail } from './format.js';
import { endpointUrl } from './http-check.js';
import type { CheckResult, CommandCheck, VerificationTarget } from './types.js';

/** How a command is started; `node:child_process.spawn` unless a test gives another. */
export type Spawn = typeof nodeSpawn;

export interface CommandCheckDeps {
  spawn?: Spawn;
  signal?: AbortSignal;
  onProgress?(message: string): void;
}

const KEEP_OUTPUT = 16 * 1024;

/** The environment a smoke test runs with: this process's, the check's `env`, then the `SLIPWAY_*` variables. */
export function commandEnv(check: CommandCheck, target: VerificationTarget): NodeJS.ProcessEnv {
  const first = target.endpoints[0];
  return {
    ...process.env,
    ...check.env,
    SLIPWAY_SERVICE: target.service,
    SLIPWAY_ENVIRONMENT: target.environment,
    SLIPWAY_RELEASE: target.release,
    ...(first === undefined ? {} : { SLIPWAY_URL: endpointUrl(first) }),
  };
}

/**
 * Runs the command (no shell) in its own process group and waits for it. Passes on exit 0;
 * otherwise the message gives the exit code or signal and the tail of stdout and stderr
 * together. After `timeoutSeconds` (real time: the command runs in real time) the whole group is
 * killed and the check fails. Never throws for the command's failure; when `deps.signal` aborts,
 * the group is killed and the promise rejects with the reason.
 */
export function runCommandCheck(check: CommandCheck, target: VerificationTarget, deps: CommandCheckDeps = {}): Promise<CheckResult> {
  const result = (passed: boolean, message: string): CheckResult => ({ name: check.name, kind: 'command', outcome: passed ? 'passed' : 'failed', passed, message });
  const line = [check.command, ...check.args].join(' ');
  deps.onProgress?.(`${check.name}: running ${line}`);
  return new Promise((resolve, reject) => {
    if (deps.signal?.aborted) return reject(deps.signal.reason);
    let output = '';
    let timedOut = false;
    const child = (deps.spawn ?? nodeSpawn)(check.command, check.args, { env: commandEnv(check, target), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = () => {
      try {
        if (child.pid === undefined) throw new Error('no pid');
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onAbort = () => killGroup();
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, check.timeoutSeconds * 1000);
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    // Decoded per stream, so that a character split between two chunks stays whole.
    const read = (chunk: string) => (output = (output + chunk).slice(-KEEP_OUTPUT));
    child.stdout?.setEncoding('utf8').on('data', read);
    child.stderr?.setEncoding('utf8').on('data', read);
    const finish = (outcome: CheckResult) => {
      clearTimeout(timer);
      deps.signal?.removeEventListener('abort', onAbort);
      if (deps.signal?.aborted) reject(deps.signal.reason);
      else resolve(outcome);
    };
    const withOutput = (message: string) => {
      const last = tail(output);
      return last ? `${message}; its output ends with:\n${last}` : `${message}, with no output`;
    };
    child.once('error', (error) => finish(result(false, `${check.name}: could not run ${check.command}: ${errorMessage(error)}`)));
    child.once('close', (code, signal) => {
      if (timedOut) finish(result(false, withOutput(`${check.name} timed out after ${formatValue(check.timeoutSeconds)} s and was killed`)));
      else if (code === 0) finish(result(true, `${check.name} passed (exit 0)`));
      else finish(result(false, withOutput(`${check.name} failed: ${code === null ? `killed by ${signal}` : `exit code ${code}`}`)));
    });
  });
}
