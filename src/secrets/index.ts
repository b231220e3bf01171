/**
 * Secrets: an encrypted secret store, `secret:<name>` references resolved at deploy time, and a
 * redactor that keeps values out of everything Slipway writes or answers.
 */
export { SecretStore, SecretValuesRedactor, type SecretReader, type SecretRows } from './secret-store.js';
export { loadSecretKey, parseSecretKey, SECRET_KEY_ENV, SECRET_KEY_FILE, type LoadSecretKeyOptions } from './key.js';
export { keySealer, ephemeralSealer, type Sealer } from './sealer.js';
export { resolveSecretRefs, type ResolvedSecrets } from './refs.js';
export { Redactor, REDACTED } from './redactor.js';
export { SECRET_REF_PREFIX, checkSecretName, isSecretName, secretRef, secretRefName } from './names.js';
export { InvalidSecretNameError, SealedTextError, SecretDecryptionError, SecretKeyError, UnresolvedSecretError, type SecretReferenceProblem } from './errors.js';
