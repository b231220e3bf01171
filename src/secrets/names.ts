/**
 * Secret names and `secret:<name>` references.
 */
import { SecretName } from '../inputs/name.js';
import { InvalidSecretNameError } from './errors.js';

/** A value that is exactly `secret:<name>` is a reference to the secret `<name>`. */
export const SECRET_REF_PREFIX = 'secret:';

/** True for a valid secret name (`SecretName`, the rule of `inputs/name.ts`). */
export function isSecretName(name: string): boolean {
  return SecretName.safeParse(name).success;
}

/** Returns `name`; throws `InvalidSecretNameError` when it is not a valid secret name. */
export function checkSecretName(name: string): string {
  if (!isSecretName(name)) throw new InvalidSecretNameError(name);
  return name;
}

/** `secret:<name>`. Throws `InvalidSecretNameError` for an invalid name. */
export function secretRef(name: string): string {
  return `${SECRET_REF_PREFIX}${checkSecretName(name)}`;
}

/**
 * The secret name a value refers to, or undefined when the value does not start with `secret:`
 * (a plain value). The name is returned unchecked: callers report invalid ones.
 */
export function secretRefName(value: string): string | undefined {
  return value.startsWith(SECRET_REF_PREFIX) ? value.slice(SECRET_REF_PREFIX.length) : undefined;
}
