/**
 * Errors of resource provisioning. Messages name services, resources and provisioners, never a
 * secret value (the caller's `Redactor` has been applied to anything a provisioner printed).
 */
import { SlipwayError } from '../errors.js';

/** Resource requests that cannot be served: no matching provisioner, bad params, shared requests that disagree. All are listed. */
export class ResourceRequestError extends SlipwayError {
  override readonly name = 'ResourceRequestError';
  constructor(readonly problems: readonly string[]) {
    super('invalid-resource-request', problems.join('\n'));
  }
}

/** A provisioner failed to create, update or delete a resource. Steps applied before it stay applied. */
export class ProvisionerError extends SlipwayError {
  override readonly name = 'ProvisionerError';
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super('provisioner-failed', message);
  }
}
