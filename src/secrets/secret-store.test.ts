import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../store/database.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations.js';
import { InvalidSecretNameError, SecretDecryptionError } from './errors.js';
import { SecretStore } from './secret-store.js';

let pglite: PGlite;
let store: KyselyStore;
beforeAll(async () => {
  pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db);
  store = new KyselyStore(db);
});
afterAll(() => store.close());

const key = randomBytes(32);

describe('SecretStore', () => {
  it('set, get, replace and remove a value', async () => {
    const secrets = new SecretStore(store, () => key);
    await secrets.set('api-token', 'tok-1');
    expect(await secrets.get('api-token')).toBe('tok-1');
    await secrets.set('api-token', 'tok-2');
    expect(await secrets.get('api-token')).toBe('tok-2');
    expect(await secrets.remove('api-token')).toBe(true);
    expect(await secrets.remove('api-token')).toBe(false);
    expect(await secrets.get('api-token')).toBeUndefined();
  });

  it('nothing in the database contains the plaintext, in any encoding', async () => {
    const plaintext = 'correct horse battery staple';
    await new SecretStore(store, () => key).set('raw-check', plaintext);
    const { rows } = await pglite.query<Record<string, unknown>>('select * from secrets');
    const dump = (await pglite.query<{ t: string }>('select s::text as t from secrets s')).rows.map((r) => r.t).join('\n');
    expect(rows.length).toBeGreaterThan(0);
    const needle = Buffer.from(plaintext, 'utf8');
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (value instanceof Uint8Array) expect(Buffer.from(value).includes(needle)).toBe(false);
        else expect(String(value)).not.toContain(plaintext);
      }
    }
    expect(dump).not.toContain(plaintext);
    expect(dump).not.toContain(needle.toString('hex'));
    expect(dump).not.toContain(needle.toString('base64'));
  });

  it('list gives names and timestamps, never values', async () => {
    const secrets = new SecretStore(store, () => key);
    await secrets.set('listed', 'value-that-must-not-show');
    const listed = await secrets.list();
    const entry = listed.find((s) => s.name === 'listed');
    expect(entry && Object.keys(entry).sort()).toEqual(['createdAt', 'name', 'updatedAt']);
    expect(JSON.stringify(listed)).not.toContain('value-that-must-not-show');
  });

  it('a store opened with another key fails clearly on get', async () => {
    await new SecretStore(store, () => key).set('keyed', 'v');
    const error = await new SecretStore(store, () => randomBytes(32)).get('keyed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect(error).toMatchObject({ secret: 'keyed' });
  });

  it('list and remove never need the key; set and get ask for it once', async () => {
    let calls = 0;
    const secrets = new SecretStore(store, () => {
      calls++;
      return key;
    });
    await secrets.list();
    await secrets.remove('nothing-here');
    expect(calls).toBe(0);
    await secrets.set('counted', 'x');
    await secrets.get('counted');
    expect(calls).toBe(1);
  });

  it('refuses invalid names', async () => {
    const secrets = new SecretStore(store, () => key);
    for (const name of ['', '-leading', 'has space', 'a/b', 'x'.repeat(129)]) {
      await expect(secrets.set(name, 'v')).rejects.toBeInstanceOf(InvalidSecretNameError);
    }
    await expect(secrets.get('a b')).rejects.toBeInstanceOf(InvalidSecretNameError);
  });
});
