import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { migrateToLatest, migrations } from './migrations.js';

describe('migrateToLatest', () => {
  let db: Kysely<Database> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });
  const open = async () => (db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: await PGlite.create() }) }));
  const applied = async (kysely: Kysely<Database>) =>
    (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(kysely)).rows.map((r) => r.name);

  it('applies every migration once; again, it changes nothing', async () => {
    const kysely = await open();
    await migrateToLatest(kysely);
    await migrateToLatest(kysely);
    expect(await applied(kysely)).toEqual(Object.keys(migrations).sort());
  });

  it('refuses a schema newer than it knows', async () => {
    const kysely = await open();
    await migrateToLatest(kysely);
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_slipway', now()::text)`.execute(kysely);
    await expect(migrateToLatest(kysely)).rejects.toThrow(/9999_from_a_newer_slipway/);
  });
});
