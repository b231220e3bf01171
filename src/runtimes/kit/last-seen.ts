/**
 * What a runtime reports of a target it cannot reach: the units it saw there last, each
 * instance `unhealthy` with the reason and each unit `degraded`, rather than nothing (which
 * would read as "not running") or an error (which would hide the units). The instances most
 * likely run on; the next observation that reaches the target says so.
 */
import { compareUnitKeys, unitId, type ObservedUnit, type UnitKey } from '../../desired/types.js';

export class LastSeen<T extends ObservedUnit> {
  #units: T[] | undefined;

  /** True once any observation or change was recorded. */
  get known(): boolean {
    return this.#units !== undefined;
  }

  /** Records a whole observation of the target. */
  saw(units: readonly T[]): void {
    this.#units = [...units];
  }

  /** Records what one unit is now (undefined: removed), after a change made through this runtime. */
  changed(key: UnitKey, unit: T | undefined): void {
    const others = (this.#units ?? []).filter((u) => unitId(u) !== unitId(key));
    this.#units = (unit ? [...others, unit] : others).sort(compareUnitKeys);
  }

  /** The units last seen, each instance `unhealthy` with `reason` ("unreachable"), each unit `degraded`, without drift. */
  unreachable(reason: string): ObservedUnit[] {
    return (this.#units ?? []).map(({ drift: _drift, ...unit }) => ({
      ...unit,
      health: 'degraded',
      instances: unit.instances.map((instance) => ({ ...instance, state: 'unhealthy', message: reason })),
    }));
  }
}
