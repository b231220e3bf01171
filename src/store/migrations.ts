/**
 * The store's schema as versioned migrations in code, applied in name order by Kysely's
 * `Migrator`. A migration, once released, never changes: add a new one instead.
 * Text keys use the "C" collation so that ordering is by code point on every machine and locale.
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Database } from './database.js';
import { promotionsMigration } from './promotion-store.js';
import { apiTokensMigration } from './token-store.js';
import { leasesMigration } from './lease-store.js';
import { buildsMigration } from './build-store.js';

const initial: Migration = {
  // Migrations run against whatever schema exists at their version, so they are untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    for (const table of ['services', 'environments', 'targets']) {
      await db.schema
        .createTable(table)
        .addColumn('name', sql`text collate "C"`, (c) => c.primaryKey())
        .addColumn('spec', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
    }

    await db.schema
      .createTable('releases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull().unique().generatedAlwaysAsIdentity())
      .addColumn('service', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('version', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('artifact_digest', 'text')
      .addColumn('spec_hash', 'text', (c) => c.notNull())
      .addColumn('spec', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addUniqueConstraint('releases_service_version', ['service', 'version'])
      .execute();
    await db.schema.createIndex('releases_service_seq').on('releases').columns(['service', 'seq']).execute();

    await db.schema
      .createTable('deployments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull().unique().generatedAlwaysAsIdentity())
      .addColumn('service', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('environment', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'running', 'succeeded', 'failed')`))
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('finished_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('deployments_service_environment').on('deployments').columns(['service', 'environment', 'seq']).execute();
    await db.schema.createIndex('deployments_environment').on('deployments').columns(['environment', 'seq']).execute();

    await db.schema
      .createTable('deployment_steps')
      .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'succeeded', 'failed')`))
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('started_at', 'timestamptz', (c) => c.notNull())
      .addColumn('finished_at', 'timestamptz')
      .addPrimaryKeyConstraint('deployment_steps_pk', ['deployment_id', 'idx'])
      .execute();

    await db.schema
      .createTable('observed')
      .addColumn('service', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('environment', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('target', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('release', 'jsonb', (c) => c.notNull())
      .addColumn('config_hash', 'text', (c) => c.notNull())
      .addColumn('replicas', 'integer', (c) => c.notNull())
      .addColumn('instances', 'jsonb', (c) => c.notNull())
      .addColumn('health', 'text', (c) => c.notNull())
      .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('observed_pk', ['service', 'environment', 'target'])
      .execute();
    await db.schema.createIndex('observed_target').on('observed').column('target').execute();
    await db.schema.createIndex('observed_environment').on('observed').column('environment').execute();

    await db.schema
      .createTable('events')
      .addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('service', sql`text collate "C"`)
      .addColumn('environment', sql`text collate "C"`)
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('data', 'jsonb', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_service').on('events').columns(['service', 'seq']).execute();
    await db.schema.createIndex('events_environment').on('events').columns(['environment', 'seq']).execute();
  },
};

/**
 * Encrypted secrets (only ciphertext and nonce; the key never reaches the store) and the records
 * of provisioned resources, keyed by environment and resource uid.
 */
/** `0004_convergence_pauses`: where a person told the reconcile loop to stand aside. */
const convergencePauses: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('convergence_pauses')
      .addColumn('service', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('environment', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('convergence_pauses_pk', ['service', 'environment'])
      .execute();
  },
};

/** `0005_notification_deliveries`: every attempt to deliver a webhook, appended, never changed. */
const notificationDeliveries: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('notification_deliveries')
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('hook', 'text', (c) => c.notNull())
      .addColumn('event_seq', 'bigint', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_deliveries_pk', ['delivery_id', 'attempt'])
      .execute();
    await db.schema.createIndex('notification_deliveries_event').on('notification_deliveries').column('event_seq').execute();
  },
};

/** `0006_partial_deployments`: a deployment may end `partial` (every reachable target reached). */
const partialDeployments: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await sql`alter table deployments drop constraint deployments_status_check`.execute(db);
    await sql`alter table deployments add constraint deployments_status_check check (status in ('pending', 'running', 'succeeded', 'partial', 'failed'))`.execute(db);
  },
};

const resourcesAndSecrets: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('secrets')
      .addColumn('name', sql`text collate "C"`, (c) => c.primaryKey())
      .addColumn('ciphertext', 'bytea', (c) => c.notNull())
      .addColumn('nonce', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('resources')
      .addColumn('environment', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('uid', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('class', 'text')
      .addColumn('id', 'text')
      .addColumn('provisioner', 'jsonb', (c) => c.notNull())
      .addColumn('params', 'jsonb', (c) => c.notNull())
      .addColumn('params_hash', 'text', (c) => c.notNull())
      .addColumn('outputs', 'jsonb', (c) => c.notNull())
      .addColumn('used_by', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('resources_pk', ['environment', 'uid'])
      .execute();
  },
};

/**
 * `0009_deployment_scope`: a deployment records which targets it changes and how, so that one cut
 * short by a killed process can be finished as it was meant; `pending` is gone (a deployment is
 * recorded as it starts, with its event).
 */
const deploymentScope: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('deployments').addColumn('targets', 'jsonb').execute();
    await db.schema.alterTable('deployments').addColumn('strategy', 'text').execute();
    await sql`update deployments set status = 'running' where status = 'pending'`.execute(db);
    await sql`alter table deployments drop constraint deployments_status_check`.execute(db);
    await sql`alter table deployments add constraint deployments_status_check check (status in ('running', 'succeeded', 'partial', 'failed'))`.execute(db);
  },
};

/** Every migration, by name. Names sort in the order they apply. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_resources_and_secrets': resourcesAndSecrets,
  '0003_promotions': promotionsMigration,
  '0004_convergence_pauses': convergencePauses,
  '0005_notification_deliveries': notificationDeliveries,
  '0006_partial_deployments': partialDeployments,
  '0007_api_tokens': apiTokensMigration,
  '0008_leases': leasesMigration,
  '0009_deployment_scope': deploymentScope,
  '0010_builds': buildsMigration,
};

/** Serves `migrations` to Kysely's `Migrator`, without touching the file system. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};

/**
 * Brings the schema to the newest version. Idempotent; safe when several processes migrate one
 * PostgreSQL at once (Kysely's migration lock serialises them). Throws the failing migration's error.
 * A schema at the newest version already costs one query (Kysely's `Migrator` makes a dozen, which
 * on a freshly opened PGlite take most of a second); any other, a newer one included, goes
 * through the `Migrator`, which migrates it or refuses it.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  if (await isNewest(db)) return;
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) throw error;
}

/** True when the newest migration Kysely recorded is the newest of {@link migrations}; false when there is none, or no record yet. */
async function isNewest(db: Kysely<Database>): Promise<boolean> {
  const newest = Object.keys(migrations).sort().at(-1);
  try {
    const { rows } = await sql<{ name: string | null }>`select max(name) as name from kysely_migration`.execute(db);
    return rows[0]?.name === newest;
  } catch {
    return false; // no migration table yet
  }
}
