/** The verifier promotions use by default: the environment's `verification` checks, run for real. */
import { systemClock, verify, type Clock } from '../verification/index.js';
import type { Verifier } from './promotion/index.js';

/** Runs HTTP, smoke-command and Prometheus checks with `clock` for every wait; no checks pass at once. */
export function environmentVerifier(clock: Clock = systemClock): Verifier {
  return async ({ service, environment, release, verification, endpoints }) => {
    if (!verification) return { passed: true, message: 'no checks configured; readiness passed' };
    const result = await verify(verification, { service, environment, release: release.version, endpoints }, { clock });
    const failed = result.checks.filter((c) => c.outcome === 'failed');
    const message = (failed.length ? failed : result.checks).map((c) => `${c.name}: ${c.message}`).join('; ');
    return { passed: result.passed, message };
  };
}
