/**
 * Names that provisioners give what they create on a shared server: one per resource of an
 * environment, stable across runs, distinct for distinct resources.
 */
import { stableHash } from '../../desired/hash.js';

/**
 * `slipway_<environment>_<uid>` in lower-case letters, digits and `_`, cut to fit `maxLength`
 * (at least 16), ending in a hash of the original so that names that read alike stay distinct.
 * The same resource always gets the same name.
 */
export function resourceName(environment: string, uid: string, maxLength = 63): string {
  const hash = stableHash([environment, uid]).slice(0, 8);
  const readable = `slipway_${environment}_${uid}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, maxLength - hash.length - 1);
  return `${readable}_${hash}`;
}
