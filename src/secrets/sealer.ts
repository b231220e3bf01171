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
  /** Decrypts what `seal` gave. Throws `SealedTextError` for another key or altered text, `SecretKeyError` without a key. */
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
      return [VERSION, Buffer.from(nonce).toString('base64url'), Buffer.from(ciphertext).toString('base64url')].join('.');
    },
    unseal(sealed) {
      const [version, nonce, ciphertext, ...rest] = typeof sealed === 'string' ? sealed.split('.') : [];
      if (version !== VERSION || !nonce || !ciphertext || rest.length > 0) throw new SealedTextError('it is not sealed text');
      try {
        return unseal(once(), PURPOSE, { nonce: Buffer.from(nonce, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') });
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        throw new SealedTextError('it was sealed with another key (check SLIPWAY_SECRET_KEY or secret.key) or altered', { cause: error });
      }
    },
  };
}

/** A sealer with a random key of its own, lost with the process: for tests, and contexts whose records need not outlive it. */
export function ephemeralSealer(): Sealer {
  const key = randomBytes(32);
  return keySealer(() => key);
}
