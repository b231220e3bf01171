/**
 * The planner: desired × observed → steps. Pure: plain data in, plain data out, no I/O, clock
 * or randomness.
 */
import {
  compareUnitKeys,
  sortUnits,
  unitId,
  type DesiredState,
  type DesiredUnit,
  type ObservedState,
  type ObservedUnit,
  type UnitKey,
} from '../desired/types.js';
import * as reasons from './reasons.js';
import type { Plan, PlanStep } from './types.js';

/**
 * The steps that take `observed` to `desired`, keyed by (service, environment, target):
 * - desired, not observed → `deploy`;
 * - observed release id differs → `deploy` with `from`;
 * - same release, `configHash` differs → `update-config` (which also applies replicas);
 * - some instances run another configuration (an update cut short) → `update-config`;
 * - only `replicas` differ → `scale`;
 * - all that is as desired, but files were changed by hand or it is missing or degraded → `repair`;
 * - observed, not desired → `remove`;
 * - otherwise the key is listed in `unchanged`.
 * Steps and unchanged keys are sorted by service, environment, target, so the result does not
 * depend on input order. Deterministic, O(n log n) time and O(n) memory (a sort and a merge).
 * Throws an `Error` when a key appears twice in `desired` or in `observed`: `desiredState()` and
 * runtimes never produce that.
 */
export function plan(desired: DesiredState, observed: ObservedState): Plan {
  const wanted = sortedUnique(desired.units, 'desired');
  const running = sortedUnique(observed.units, 'observed');
  const steps: PlanStep[] = [];
  const unchanged: UnitKey[] = [];
  let w = 0;
  let r = 0;
  while (w < wanted.length || r < running.length) {
    const d = wanted[w];
    const o = running[r];
    const order = !d ? 1 : !o ? -1 : compareUnitKeys(d, o);
    if (order < 0) {
      steps.push({ kind: 'deploy', unit: d!, reason: reasons.notRunning(d!) });
      w++;
    } else if (order > 0) {
      steps.push({ kind: 'remove', key: keyOf(o!), release: o!.release, reason: reasons.notDesired(o!) });
      r++;
    } else {
      const step = compare(d!, o!);
      if (step) steps.push(step);
      else unchanged.push(keyOf(d!));
      w++;
      r++;
    }
  }
  return { steps, unchanged };
}

/** The step for a unit that is both desired and observed, or undefined when it is as desired. */
function compare(desired: DesiredUnit, observed: ObservedUnit): PlanStep | undefined {
  if (desired.release.id !== observed.release.id) {
    return { kind: 'deploy', unit: desired, from: observed.release, reason: reasons.otherRelease(desired, observed) };
  }
  if (desired.configHash !== observed.configHash) {
    return { kind: 'update-config', unit: desired, reason: reasons.otherConfig(desired, observed) };
  }
  const behind = observed.instances.filter((i) => i.configHash !== desired.configHash);
  if (behind.length > 0) {
    return { kind: 'update-config', unit: desired, reason: reasons.instancesBehind(desired, behind.map((i) => i.id)) };
  }
  if (desired.replicas !== observed.replicas) {
    return {
      kind: 'scale',
      unit: desired,
      fromReplicas: observed.replicas,
      reason: reasons.otherReplicas(desired, observed),
    };
  }
  if (observed.drift?.length) return { kind: 'repair', unit: desired, reason: reasons.changedByHand(desired, observed.drift.map((d) => `${d.path} ${d.change}`)) };
  if (observed.health === 'missing' || observed.health === 'degraded') return { kind: 'repair', unit: desired, reason: reasons.unwell(desired, observed) };
  return undefined;
}

function sortedUnique<T extends UnitKey>(units: readonly T[], side: string): T[] {
  const { sorted, duplicate } = sortUnits(units);
  if (duplicate) throw new Error(`${unitId(duplicate)} appears twice in the ${side} state`);
  return sorted;
}

function keyOf(key: UnitKey): UnitKey {
  return { service: key.service, environment: key.environment, target: key.target };
}
