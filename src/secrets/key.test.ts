import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretKeyError } from './errors.js';
import { SECRET_KEY_ENV, SECRET_KEY_FILE, loadSecretKey, parseSecretKey } from './key.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-key-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

describe('parseSecretKey', () => {
  it('accepts 64 hex digits, base64 and base64url of 32 bytes, with white space around', () => {
    for (const text of [bytes.toString('hex'), ` ${bytes.toString('base64')}\n`, bytes.toString('base64url')]) {
      expect(Buffer.from(parseSecretKey(text, 'k')).equals(bytes)).toBe(true);
    }
  });

  it('refuses other lengths and forms, naming the source but never echoing the text', () => {
    for (const text of ['short', bytes.subarray(0, 16).toString('hex'), Buffer.concat([bytes, bytes]).toString('base64'), 'z'.repeat(64)]) {
      const error = thrown(() => parseSecretKey(text, SECRET_KEY_ENV));
      expect(error).toBeInstanceOf(SecretKeyError);
      expect(error.message).toContain(`${SECRET_KEY_ENV} is not a valid secret key`);
      expect(error.message).not.toContain(text);
    }
  });
});

describe('loadSecretKey', () => {
  it('prefers SLIPWAY_SECRET_KEY and then creates no file', () => {
    const dir = tempDir();
    const key = loadSecretKey({ stateDir: dir, env: { [SECRET_KEY_ENV]: bytes.toString('hex') } });
    expect(Buffer.from(key).equals(bytes)).toBe(true);
    expect(() => statSync(join(dir, SECRET_KEY_FILE))).toThrow();
  });

  it('a bad SLIPWAY_SECRET_KEY is an error, not a reason to fall back to the file', () => {
    expect(() => loadSecretKey({ stateDir: tempDir(), env: { [SECRET_KEY_ENV]: 'not-a-key' } })).toThrow(SecretKeyError);
  });

  it('generates <stateDir>/secret.key with mode 0600 on first use, and reads the same key afterwards', () => {
    const dir = join(tempDir(), 'nested', '.slipway');
    const first = loadSecretKey({ stateDir: dir, env: {}, random: () => Uint8Array.from(bytes) });
    const path = join(dir, SECRET_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(first).equals(bytes)).toBe(true);
    expect(readFileSync(path, 'utf8').trim()).toBe(bytes.toString('base64'));
    const again = loadSecretKey({ stateDir: dir, env: {}, random: () => new Uint8Array(32) });
    expect(Buffer.from(again).equals(bytes)).toBe(true);
  });

  it('refuses a key file that group or others may read', () => {
    const dir = tempDir();
    loadSecretKey({ stateDir: dir, env: {} });
    const path = join(dir, SECRET_KEY_FILE);
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(path, mode);
      expect(() => loadSecretKey({ stateDir: dir, env: {} })).toThrow(new RegExp(`mode 0${mode.toString(8)}.*chmod 600`));
    }
  });

  it('a malformed key file is a clear error naming the file', () => {
    const dir = tempDir();
    const path = join(dir, SECRET_KEY_FILE);
    writeFileSync(path, 'garbage\n', { mode: 0o600 });
    expect(() => loadSecretKey({ stateDir: dir, env: {} })).toThrow(`${path} is not a valid secret key`);
  });
});
