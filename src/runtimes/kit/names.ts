/** How adapters name units and instances, in ids, file names and messages. Pure. */
import { basename } from 'node:path';
import type { UnitKey } from '../../desired/types.js';

/** `<environment>.<service>` — names are DNS labels without dots, so this is unambiguous. */
export function unitSlug(key: Pick<UnitKey, 'environment' | 'service'>): string {
  return `${key.environment}.${key.service}`;
}

/** The stable instance id of a replica, e.g. `dev.api.0`. */
export function instanceId(key: Pick<UnitKey, 'environment' | 'service'>, replica: number): string {
  return `${unitSlug(key)}.${replica}`;
}

/** The unit's key alone (a unit or record carries more). */
export function unitKey(key: UnitKey): UnitKey {
  return { service: key.service, environment: key.environment, target: key.target };
}

/**
 * The unit a record file names (`dev.api.json`, `dev.api.0.3.json`), with `target`; undefined
 * for a name that is not a record's.
 */
export function unitOfFile(file: string, target: string): UnitKey | undefined {
  const [environment, service] = basename(file).split('.');
  return environment && service ? { service, environment, target } : undefined;
}
