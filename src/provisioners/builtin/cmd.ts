/**
 * `cmd`: any other resource, provisioned by a command. It gets the request as JSON on stdin —
 * `{"action":"provision"|"delete", environment, uid, type, class, id, params, usedBy, previous?, outputs?}` —
 * and, to provision, prints `{"outputs": {...}, "secrets": {...}}` on stdout (both optional; values
 * strings, numbers or booleans). Exiting non-zero, printing something else or outliving
 * `timeoutSeconds` is a failure, reported with the end of its stderr.
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { SpecOf } from '../schema.js';
import type { ProvisionResult, Provisioner } from '../types.js';

const Values = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const Answer = z.strictObject({ outputs: Values.default({}), secrets: Values.default({}) });

/** How much of the end of stderr a failure quotes. */
const STDERR_TAIL = 2000;

export interface CmdProvisionerOptions {
  /** Where relative commands are found and commands run: the project directory. Default: the current directory. */
  readonly cwd?: string;
  /** Default: `child_process.spawn`. */
  readonly spawn?: (command: string, args: readonly string[], options: { cwd: string }) => ChildProcess;
}

/** Creates the `cmd` provisioner. */
export function cmdProvisioner(options: CmdProvisionerOptions = {}): Provisioner<SpecOf<'cmd'>> {
  const cwd = options.cwd ?? process.cwd();
  const spawn = options.spawn ?? ((command, args, opts) => spawnProcess(command, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] }));
  const run = async (spec: SpecOf<'cmd'>, request: object): Promise<string> => {
    const command = spec.command.includes('/') ? resolve(cwd, spec.command) : spec.command;
    return runCommand(spawn(command, spec.args, { cwd }), JSON.stringify(request), spec.timeoutSeconds * 1000, spec.command);
  };
  return {
    prepare: ({ params }) => ({ ...params }),
    async provision({ spec, ...request }): Promise<ProvisionResult> {
      const stdout = await run(spec, { action: 'provision', ...request });
      let answer: unknown;
      try {
        answer = JSON.parse(stdout);
      } catch {
        throw new Error(`${spec.command} printed no JSON on stdout (expected {"outputs": {...}, "secrets": {...}})`);
      }
      const parsed = Answer.safeParse(answer);
      if (!parsed.success) throw new Error(`${spec.command} printed JSON of the wrong shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    },
    async deprovision({ spec, ...request }) {
      await run(spec, { action: 'delete', ...request });
    },
  };
}

/** Writes `input` to the child, collects stdout; rejects on a non-zero exit, a spawn error or the timeout. */
function runCommand(child: ChildProcess, input: string, timeoutMs: number, label: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(new Error(`${label} did not finish within ${timeoutMs / 1000} s and was killed${tail(stderr)}`));
    }, timeoutMs);
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolvePromise(stdout);
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
    child.once('error', (error) => settle(new Error(`${label} could not be run: ${error.message}`)));
    child.once('close', (code, signal) => settle(code === 0 ? undefined : new Error(`${label} exited with ${code === null ? `signal ${signal}` : `code ${code}`}${tail(stderr)}`)));
    child.stdin?.on('error', () => {}); // a command that does not read its input is its own business
    child.stdin?.end(input);
  });
}

function tail(stderr: string): string {
  const text = stderr.trim();
  return text ? `; stderr ends with:\n${text}` : '';
}
