/**
 * The desired state: what should run, per (service, environment, target), fully resolved.
 */
export * from './types.js';
export { httpUrl, instanceUrl } from './address.js';
export { stableHash, canonicalJson } from './hash.js';
export {
  resolveWorkload,
  desiredUnit,
  desiredState,
  type ResolveOptions,
  type ResolveWorkloadOptions,
} from './resolve.js';
export { merge, describeOrigin, PRECEDENCE, type Origin, type Precedence, type Contribution, type Merged, type MergeConflict } from './merge.js';
export { checkConstraints, type Violation, type SourcedConstraint, type CheckContext } from './constraints.js';
export { resolveService, type ServiceResolution, type ServiceSource, type EnvironmentGates } from './resolve-service.js';
export { resolveProjectService, compliantService, checkProject, serviceSource, serviceOwner, unmatchedResources } from './project-resolution.js';
export { memoryBytes, cpuCores } from './quantities.js';
