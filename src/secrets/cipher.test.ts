import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, unseal } from './cipher.js';
import { SecretDecryptionError } from './errors.js';

const key = randomBytes(32);

describe('seal / unseal', () => {
  it('round-trips a value, with a fresh nonce each time', () => {
    const a = seal(key, 'db', 'pässword 🔑');
    const b = seal(key, 'db', 'pässword 🔑');
    expect(unseal(key, 'db', a)).toBe('pässword 🔑');
    expect(Buffer.from(a.nonce).equals(Buffer.from(b.nonce))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
  });

  it('another key fails authentication with a clear error', () => {
    const sealed = seal(key, 'db', 'hunter2');
    const error = (() => {
      try {
        return unseal(randomBytes(32), 'db', sealed);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect(error).toMatchObject({ code: 'secret-undecryptable', secret: 'db' });
    expect((error as Error).message).toMatch(/authentication failed.*another key/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('a ciphertext moved under another name, or altered, does not decrypt', () => {
    const sealed = seal(key, 'db', 'hunter2');
    expect(() => unseal(key, 'other', sealed)).toThrow(SecretDecryptionError);
    const altered = Uint8Array.from(sealed.ciphertext);
    altered[0]! ^= 1;
    expect(() => unseal(key, 'db', { ...sealed, ciphertext: altered })).toThrow(SecretDecryptionError);
    expect(() => unseal(key, 'db', { ...sealed, ciphertext: new Uint8Array(3) })).toThrow(SecretDecryptionError);
  });
});
