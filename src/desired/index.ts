/**
 * The desired state: what should run, per (service, environment, target), fully resolved.
 */
export * from './types.js';
export { stableHash, canonicalJson } from './hash.js';
export {
  resolveWorkload,
  desiredUnit,
  desiredState,
  type ResolveOptions,
  type ResolveWorkloadOptions,
} from './resolve.js';
