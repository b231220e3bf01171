/**
 * AES-256-GCM for one secret value: a fresh random 96-bit nonce per encryption, the 16-byte
 * authentication tag appended to the ciphertext, and the secret's name as associated data (so a
 * ciphertext copied under another name does not decrypt).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedSecret } from '../store/types.js';
import { SecretDecryptionError } from './errors.js';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Encrypts `value` under `key` (32 bytes) for the secret `name`. Never deterministic. */
export function seal(key: Uint8Array, name: string, value: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(name, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: new Uint8Array(ciphertext), nonce: new Uint8Array(nonce) };
}

/** Decrypts what `seal` produced. Throws `SecretDecryptionError` with another key, name or altered data. */
export function unseal(key: Uint8Array, name: string, sealed: SealedSecret): string {
  const data = Buffer.from(sealed.ciphertext);
  try {
    if (data.length < TAG_BYTES) throw new Error('ciphertext shorter than its authentication tag');
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(sealed.nonce), { authTagLength: TAG_BYTES })
      .setAAD(Buffer.from(name, 'utf8'))
      .setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SecretDecryptionError(name, { cause: error });
  }
}
