/**
 * The secret store: values encrypted with the key before they reach the `Store`, so they are safe
 * at rest on either backend. It hands values out only through `get`.
 */
import type { SecretInfo, Store } from '../store/types.js';
import { seal, unseal } from './cipher.js';
import { checkSecretName } from './names.js';

/** The part of `Store` the secret store needs. */
export type SecretRows = Pick<Store, 'putSecret' | 'getSecret' | 'listSecrets' | 'deleteSecret'>;

/** Reads secrets by name: all that resolving references needs. */
export interface SecretReader {
  /** The value, or undefined when no such secret is set. */
  get(name: string): Promise<string | undefined>;
}

export class SecretStore implements SecretReader {
  readonly #rows: SecretRows;
  readonly #keySource: () => Uint8Array;
  #key: Uint8Array | undefined;

  /**
   * `key` is called once, on the first `set` or `get` (so listing and removing never create a
   * key file); its errors are thrown from there.
   */
  constructor(rows: SecretRows, key: () => Uint8Array) {
    this.#rows = rows;
    this.#keySource = key;
  }

  /** Creates or replaces the secret. Throws `InvalidSecretNameError` for a bad name. */
  async set(name: string, value: string): Promise<void> {
    checkSecretName(name);
    await this.#rows.putSecret(name, seal(this.#keyOnce(), name, value));
  }

  /** The value, or undefined when not set. `SecretDecryptionError` when it was encrypted with another key. */
  async get(name: string): Promise<string | undefined> {
    checkSecretName(name);
    const stored = await this.#rows.getSecret(name);
    return stored && unseal(this.#keyOnce(), name, stored);
  }

  /** Names and timestamps, by name. Never values. */
  list(): Promise<SecretInfo[]> {
    return this.#rows.listSecrets();
  }

  /** True when there was one to remove. */
  remove(name: string): Promise<boolean> {
    return this.#rows.deleteSecret(checkSecretName(name));
  }

  #keyOnce(): Uint8Array {
    this.#key ??= this.#keySource();
    return this.#key;
  }
}
