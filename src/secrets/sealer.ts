/**
 * Sealing text with the secret store's key (AES-256-GCM, `cipher.ts`), as one printable string:
 * for what must be kept on disk beside the store and may hold secrets, such as the environment a
 * runtime needs to start an instance again after a restart.
 */
import { randomBytes } from 'node:crypto';
import { seal, unseal } from './cipher.js';
import { SealedTextError, SecretDecryptionError } from './errors.js';

/** Encrypts and decrypts text with one key. */
export interface Sealer {
  /** Encrypts `text`; never deterministic. Throws `SecretKeyError` when the key cannot be had. */
  seal(text: string): string;
  /** Decrypts what `seal` gave. Throws `SealedTextError` (another key, altered text) or `SecretKeyError` (no key). */
  unseal(sealed: string): string;
}

/** Associated data of every sealed text: not a valid secret name, so a sealed text never passes for a stored secret. */
const PURPOSE = 'slipway:sealed';
const VERSION = 'v1';

/**
 * A sealer over the key that `key` returns, called only when a text is first sealed or unsealed
 * (so a context that seals nothing never creates a key file) and kept once it succeeded.
 * The sealed form is `v1.<nonce>.<ciphertext and tag>`, both base64url.
 */
export function keySealer(key: () => Uint8Array): Sealer {
  let cached: Uint8Array | undefined;
  const once = () => (cached ??= key());
  return {
    seal(text) {
      const { nonce, ciphertext } = seal(once(), PURPOSE, text);
      return [VERSION, base64url(nonce), base64url(ciphertext)].join('.');
    },
    unseal(sealed) {
      const [version, nonce, ciphertext, ...rest] = typeof sealed === 'string' ? sealed.split('.') : [];
      const wellFormed = version === VERSION && nonce && ciphertext && rest.length === 0;
      if (!wellFormed) throw new SealedTextError('it is not sealed text');
      const parts = { nonce: Buffer.from(nonce, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
      try {
        return unseal(once(), PURPOSE, parts);
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        const reason = 'it was sealed with another key (check SLIPWAY_SECRET_KEY or secret.key) or altered';
        throw new SealedTextError(reason, { cause: error });
      }
    },
  };
}

/** A sealer with a random key of its own, lost with the process: for tests, and records that need not outlive it. */
export function ephemeralSealer(): Sealer {
  const key = randomBytes(32);
  return keySealer(() => key);
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
