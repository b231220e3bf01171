/**
 * What carrying out a plan does to the observed state, as a model: for dry runs and for checking
 * that a plan, once applied, leaves nothing to do.
 */
import { compareUnitKeys, type ObservedState, type ObservedUnit, type UnitKey } from '../desired/types.js';
import { stepKey, type Plan } from './types.js';

/**
 * The observed state once every step of `plan` has succeeded: deployed, updated and scaled units
 * run the desired release, configuration hash and replicas; removed units are gone. Instances are
 * not modelled: a changed unit has none yet and is `progressing`; untouched units are kept as they
 * are. Pure; the result is sorted by service, environment, target.
 */
export function applyPlanEffects(observed: ObservedState, plan: Plan): ObservedState {
  const units = new Map<string, ObservedUnit>(observed.units.map((unit) => [mapKey(unit), unit]));
  for (const step of plan.steps) {
    const key = mapKey(stepKey(step));
    if (step.kind === 'remove') {
      units.delete(key);
      continue;
    }
    const { service, environment, target, release, configHash, replicas } = step.unit;
    units.set(key, { service, environment, target, release, configHash, replicas, instances: [], health: 'progressing' });
  }
  return { units: [...units.values()].sort(compareUnitKeys) };
}

/** An injective string for a key, whatever characters its names contain. */
function mapKey(key: UnitKey): string {
  return JSON.stringify([key.service, key.environment, key.target]);
}
