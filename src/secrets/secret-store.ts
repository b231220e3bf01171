/**
 * The secret store: values encrypted with the key before they reach the `Store`, so they are safe
 * at rest on either backend. It hands values out only through `get`.
 */
import type { SecretInfo, Store } from '../store/types.js';
import { SlipwayError } from '../errors.js';
import { seal, unseal } from './cipher.js';
import { checkSecretName } from './names.js';
import { Redactor } from './redactor.js';

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

  /** Creates or replaces the secret. Throws `InvalidSecretNameError` for a bad name, `bad-request` for an empty value. */
  async set(name: string, value: string): Promise<void> {
    checkSecretName(name);
    if (value === '') throw new SlipwayError('bad-request', `secret ${name} needs a value: an empty secret proves nothing and hides nothing`);
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

/**
 * A redactor that hides the value of every secret in `secrets`, kept current: `refresh` reads the
 * store again when a secret was set or removed since the last read (it compares names and times
 * first, and decrypts only then). Throws what `get` throws: a value it cannot read, it cannot hide.
 */
export class SecretValuesRedactor {
  #redactor = new Redactor();
  #seen = '';

  constructor(private readonly secrets: SecretStore) {}

  /** Reads the values again if the store changed since the last call. */
  async refresh(): Promise<this> {
    const infos = await this.secrets.list();
    const seen = JSON.stringify(infos.map((i) => [i.name, new Date(i.updatedAt).getTime()]));
    if (seen === this.#seen) return this;
    const values = await Promise.all(infos.map((i) => this.secrets.get(i.name)));
    this.#redactor = new Redactor(values.filter((v): v is string => v !== undefined));
    this.#seen = seen;
    return this;
  }

  /** `text` with every secret value known at the last refresh replaced by `***`. */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }
}
