/**
 * Errors of the secret store. None of them ever carries a secret's value or the key.
 */
import { SlipwayError } from '../errors.js';

/** The encryption key is missing, malformed or unsafely stored. Nothing was read or written. */
export class SecretKeyError extends SlipwayError {
  override readonly name = 'SecretKeyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('secret-key', message, options);
  }
}

/** A secret name is not valid (letters, digits, `.`, `_`, `-`; starting with a letter or digit). */
export class InvalidSecretNameError extends SlipwayError {
  override readonly name = 'InvalidSecretNameError';
  constructor(readonly secret: string) {
    super('invalid-secret-name', `"${secret}" is not a valid secret name: use up to 128 letters, digits, ".", "_" and "-", starting with a letter or digit`);
  }
}

/** A stored secret does not decrypt with this key: another key, or tampered data. */
export class SecretDecryptionError extends SlipwayError {
  override readonly name = 'SecretDecryptionError';
  constructor(
    readonly secret: string,
    options?: { cause?: unknown },
  ) {
    super(
      'secret-undecryptable',
      `secret "${secret}" cannot be decrypted: authentication failed, so it was encrypted with another key ` +
        '(check SLIPWAY_SECRET_KEY or secret.key) or its stored data was altered',
      options,
    );
  }
}

/** Sealed text (see `sealer.ts`) cannot be decrypted: `reason` says why. Never carries the text. */
export class SealedTextError extends SlipwayError {
  override readonly name = 'SealedTextError';
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super('sealed-undecryptable', `sealed text cannot be decrypted: ${reason}`, options);
  }
}

/** Where a `secret:` reference was found, and what it names. */
export interface SecretReferenceProblem {
  /** e.g. `env var DATABASE_URL`. */
  readonly where: string;
  readonly secret: string;
  readonly problem: 'not-set' | 'invalid-name';
}

/** One or more `secret:` references name secrets that are not set (or cannot be names). All are listed. */
export class UnresolvedSecretError extends SlipwayError {
  override readonly name = 'UnresolvedSecretError';
  constructor(readonly problems: readonly SecretReferenceProblem[]) {
    super('secret-unresolved', problems.map(describeProblem).join('\n'));
  }
}

function describeProblem(p: SecretReferenceProblem): string {
  return p.problem === 'not-set'
    ? `${p.where} refers to secret "${p.secret}", which is not set (set it with \`slipway secret set ${p.secret}\`)`
    : `${p.where} refers to "secret:${p.secret}", which is not a valid secret name`;
}
