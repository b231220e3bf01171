/**
 * Resource provisioning, as Score intends it: services request resources by type (and class,
 * id); the platform layer's provisioner definitions serve them; `planResources` says what to
 * create, update and delete; `applyResourcePlan` does it and records outputs, with secret outputs
 * kept in the secret store.
 */
export { ProvisionerSpec, ProvisionerSpecs, type ProvisionerKind, type SpecOf } from './schema.js';
export { matchProvisioner, describeSpec, DEFAULT_CLASS } from './match.js';
export { requestResources, resourceUid, type ResourceRequestsInput } from './requests.js';
export { planResources, withoutDeletes, formatResourcePlan } from './plan.js';
export { applyResourcePlan, applyResourceRounds, type ApplyContext, type AppliedStep } from './apply.js';
export { serviceResourceOutputs, outputSecretName, type SecretAccess, type ServiceOutputs } from './outputs.js';
export { envIsTemplate, paramsDependencies, resolveParams, resolveResourcePlaceholders } from './placeholders.js';
export { builtinProvisioners, type BuiltinProvisionerOptions } from './builtin/index.js';
export { ResourceRequestError, ProvisionerError } from './errors.js';
export type * from './types.js';
