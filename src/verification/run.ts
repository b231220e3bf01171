/**
 * Verifying a release: HTTP checks, then smoke commands, then metric analysis. A stage runs only
 * when every earlier one passed, and within a stage the first failure stops the checks still
 * running, so a bad release is reported (and can be rolled back) as soon as one check decides.
 */
import { errorMessage } from '../errors.js';
import type { Clock } from './clock.js';
import { runCommandCheck, type Spawn } from './command-check.js';
import { httpCheckName, runHttpCheck } from './http-check.js';
import { runMetricCheck } from './metric-check.js';
import type { CheckKind, CheckResult, Verification, VerificationResult, VerificationTarget } from './types.js';

/** The side effects verification uses; only `clock` is required. */
export interface VerifyDeps {
  /** Every deliberate wait (retry intervals, analysis windows) goes through it. */
  clock: Clock;
  fetch?: typeof fetch;
  spawn?: Spawn;
  /** Aborting stops every check; `verify` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with one line per step: each HTTP answer, each command started, each measurement. */
  onProgress?(message: string): void;
}

/** One check ready to run: what it is called, and how to run it under a signal. */
interface PendingCheck {
  readonly name: string;
  readonly kind: CheckKind;
  run(signal: AbortSignal): Promise<CheckResult>;
}

/**
 * Runs `spec` against `target` and resolves with every check's outcome; passed when all passed
 * (an empty spec passes). Check failures never reject; an abort of `deps.signal` does. Blocks
 * for as long as the checks take, metric windows included (by `deps.clock`).
 */
export async function verify(spec: Verification, target: VerificationTarget, deps: VerifyDeps): Promise<VerificationResult> {
  const context = { clock: deps.clock, fetch: deps.fetch, onProgress: deps.onProgress };
  const stages: { checks: PendingCheck[]; parallel: boolean }[] = [
    {
      parallel: true,
      checks: (spec.http ?? []).map((check) => ({ name: httpCheckName(check), kind: 'http', run: (signal) => runHttpCheck(check, target.endpoints, { ...context, signal }) })),
    },
    {
      parallel: false,
      checks: (spec.commands ?? []).map((check) => ({ name: check.name, kind: 'command', run: (signal) => runCommandCheck(check, target, { ...context, spawn: deps.spawn, signal }) })),
    },
    {
      parallel: true,
      checks: (spec.metrics ?? []).map((check) => ({ name: check.name, kind: 'metric', run: (signal) => runMetricCheck(check, target, { ...context, signal }) })),
    },
  ];
  const checks: CheckResult[] = [];
  for (const stage of stages) {
    const failed = checks.find((c) => !c.passed);
    if (failed) checks.push(...stage.checks.map((check) => skipped(check, `not run: ${failed.name} failed`)));
    else checks.push(...(await runStage(stage.checks, stage.parallel, deps.signal)));
  }
  return { passed: checks.every((c) => c.passed), checks };
}

/**
 * Runs one stage's checks, side by side or one after another. The first failure aborts the
 * checks still running and skips those not started; they report `skipped`.
 */
async function runStage(checks: PendingCheck[], parallel: boolean, outer: AbortSignal | undefined): Promise<CheckResult[]> {
  const stop = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  let firstFailure: string | undefined;
  const runOne = async (check: PendingCheck): Promise<CheckResult> => {
    outer?.throwIfAborted();
    if (firstFailure) return skipped(check, `not run: ${firstFailure} failed`);
    let result: CheckResult;
    try {
      result = await check.run(signal);
    } catch (error) {
      outer?.throwIfAborted();
      if (firstFailure) return skipped(check, `stopped before it decided: ${firstFailure} failed`);
      result = { name: check.name, kind: check.kind, outcome: 'failed', passed: false, message: `${check.name}: ${errorMessage(error)}` };
    }
    if (!result.passed && !firstFailure) {
      firstFailure = result.name;
      stop.abort();
    }
    return result;
  };
  if (parallel) return Promise.all(checks.map(runOne));
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await runOne(check));
  return results;
}

function skipped(check: PendingCheck, message: string): CheckResult {
  return { name: check.name, kind: check.kind, outcome: 'skipped', passed: false, message: `${check.name}: ${message}` };
}
