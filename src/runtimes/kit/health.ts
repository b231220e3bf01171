/** A unit's health from its instances: one rule for every adapter that runs replicas. Pure. */
import type { InstanceState, UnitHealth } from '../../desired/types.js';

/** What the rule reads of an instance. */
export interface InstanceHealth {
  readonly replica: number;
  readonly state: InstanceState;
  /** The configuration this instance runs. */
  readonly configHash: string;
}

/**
 * - healthy: every wanted replica (0 … `replicas` − 1) has one instance, ready and running the
 *   unit's configuration, and nothing else runs;
 * - missing: no instance at all;
 * - degraded: an instance crashed, is unhealthy or stopped; or, while no change of the unit is under
 *   way (`changing` false), a wanted replica has no instance or an instance runs a configuration
 *   other than the unit's (a rollout interrupted half-way, an instance removed by hand);
 * - progressing: otherwise (instances starting, or a change under way).
 * So a unit is never healthy while one of its instances runs another release.
 */
export function unitHealth(unit: { readonly replicas: number; readonly configHash: string }, instances: readonly InstanceHealth[], changing: boolean): UnitHealth {
  const ready = instances.filter((i) => i.state === 'ready' && i.configHash === unit.configHash && i.replica < unit.replicas);
  if (ready.length === unit.replicas && instances.length === unit.replicas) return 'healthy';
  if (instances.length === 0) return 'missing';
  if (instances.some((i) => i.state === 'crashed' || i.state === 'unhealthy' || i.state === 'stopped')) return 'degraded';
  if (changing) return 'progressing';
  const present = new Set(instances.map((i) => i.replica));
  const absent = Array.from({ length: unit.replicas }, (_, replica) => replica).some((replica) => !present.has(replica));
  return absent || instances.some((i) => i.configHash !== unit.configHash) ? 'degraded' : 'progressing';
}
