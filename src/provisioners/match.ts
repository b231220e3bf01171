/**
 * Matching a resource request to a provisioner definition.
 */
import type { ResourceRequest } from '../inputs/schema.js';
import type { ProvisionerSpec } from './schema.js';

/** The class of a request that names none. */
export const DEFAULT_CLASS = 'default';

/**
 * The provisioner for `request`: among the definitions whose `type` equals the request's and whose
 * `class` and `id` (when given) equal the request's, the most specific (an `id` counts more than a
 * `class`); among equals, the first. A request without a class has class `default`. Undefined when none matches.
 */
export function matchProvisioner(request: Pick<ResourceRequest, 'type' | 'class' | 'id'>, specs: readonly ProvisionerSpec[]): ProvisionerSpec | undefined {
  let best: ProvisionerSpec | undefined;
  let bestRank = -1;
  for (const spec of specs) {
    if (spec.type !== request.type) continue;
    if (spec.class !== undefined && spec.class !== (request.class ?? DEFAULT_CLASS)) continue;
    if (spec.id !== undefined && spec.id !== request.id) continue;
    const rank = (spec.id === undefined ? 0 : 2) + (spec.class === undefined ? 0 : 1);
    if (rank > bestRank) [best, bestRank] = [spec, rank];
  }
  return best;
}

/** `type`, `type/class`, `type#id` or `type/class#id`, and the provisioner kind: for messages. */
export function describeSpec(spec: ProvisionerSpec): string {
  return `${spec.type}${spec.class === undefined ? '' : `/${spec.class}`}${spec.id === undefined ? '' : `#${spec.id}`} (${spec.provisioner})`;
}
