/**
 * What happened to a unit's instances between two observations, told as the runtime events a
 * runtime that reports them itself (the process runtime) sends: for runtimes that only answer
 * `observe()` (ssh, container), so that an instance crashing on a host, or a host going out of
 * reach, is in the audit log too. Pure.
 */
import type { ObservedInstance, ObservedUnit } from '../desired/types.js';
import type { RuntimeEvent } from '../runtimes/index.js';

/**
 * An event per instance that restarted, crashed, turned unhealthy or became ready again since
 * `before`. Instances that are new or gone say nothing: a deployment or a correction made them
 * and records itself.
 */
export function instanceEvents(before: ObservedUnit, after: ObservedUnit): RuntimeEvent[] {
  const key = { service: after.service, environment: after.environment, target: after.target };
  const was = new Map(before.instances.map((instance) => [instance.id, instance]));
  return after.instances.flatMap((instance) => {
    const previous = was.get(instance.id);
    const change = previous && describe(previous, instance);
    return change ? [{ type: change.type, key, instance: instance.id, message: `${instance.id}: ${change.message}` }] : [];
  });
}

function describe(was: ObservedInstance, now: ObservedInstance): { type: RuntimeEvent['type']; message: string } | undefined {
  const detail = now.message ? ` (${now.message})` : '';
  if (now.restarts > was.restarts) return { type: 'instance-restarted', message: `restarted (restart ${now.restarts})${detail}` };
  if (now.state === was.state) return undefined;
  if (now.state === 'crashed') return { type: 'instance-crashed', message: `crashed${detail}` };
  if (now.state === 'unhealthy') return { type: 'instance-unhealthy', message: `unhealthy${detail}` };
  if (now.state === 'ready' && (was.state === 'crashed' || was.state === 'unhealthy')) return { type: 'instance-ready', message: 'ready again' };
  return undefined;
}
