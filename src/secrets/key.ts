/**
 * The secret store's 32-byte key: from `SLIPWAY_SECRET_KEY` (64 hex digits or base64), else from
 * `<stateDir>/secret.key`, which is generated (mode 0600) the first time a key is needed. Losing
 * the key loses every secret: back it up with the state directory, or set `SLIPWAY_SECRET_KEY`.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_DIR } from '../state-dir.js';
import { SecretKeyError } from './errors.js';

/** The environment variable that holds the key. */
export const SECRET_KEY_ENV = 'SLIPWAY_SECRET_KEY';
/** The key file's name inside the state directory. */
export const SECRET_KEY_FILE = 'secret.key';

const KEY_BYTES = 32;

export interface LoadSecretKeyOptions {
  /** The state directory (`.slipway/`), where `secret.key` is read or created. */
  readonly stateDir: string;
  /** Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Source of a new key's bytes. Default: `crypto.randomBytes`. */
  readonly random?: (bytes: number) => Uint8Array;
}

/**
 * The key, from the environment or the key file; creates the key file when neither exists.
 * Throws `SecretKeyError` for a malformed key, or a key file that group or others may access.
 * Idempotent: once created, the same file is read on every later call.
 */
export function loadSecretKey(options: LoadSecretKeyOptions): Uint8Array {
  const fromEnv = (options.env ?? process.env)[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseSecretKey(fromEnv, SECRET_KEY_ENV);
  const path = join(options.stateDir, SECRET_KEY_FILE);
  const created = createKeyFile(path, options.random ?? randomBytes);
  if (created) return created;
  const { mode } = statSync(path);
  if ((mode & 0o077) !== 0) {
    throw new SecretKeyError(`${path} may be read by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); refusing to use it: run \`chmod 600 ${path}\``);
  }
  return parseSecretKey(readFileSync(path, 'utf8'), path);
}

/**
 * Parses a key written as 64 hex digits or as base64 / base64url of 32 bytes (surrounding white
 * space ignored). Throws `SecretKeyError` naming `source`, never echoing the text.
 */
export function parseSecretKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  if (key?.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${source} is not a valid secret key: it must be ${KEY_BYTES} bytes written as 64 hex digits or base64 (44 characters); ` +
        `it has ${trimmed.length} characters. Generate one with \`openssl rand -base64 32\``,
    );
  }
  return new Uint8Array(key);
}

/** Writes a new key file, exclusively; undefined when one already exists. */
function createKeyFile(path: string, random: (bytes: number) => Uint8Array): Uint8Array | undefined {
  const key = random(KEY_BYTES);
  mkdirSync(join(path, '..'), { recursive: true, mode: PRIVATE_DIR });
  try {
    writeFileSync(path, `${Buffer.from(key).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  chmodSync(path, 0o600);
  return key;
}
