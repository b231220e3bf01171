/**
 * `postgres`: a database and a login role of the same name on the environment's PostgreSQL
 * server, reached with the definition's admin URL. Provisioning is idempotent: it creates what is
 * missing and (re)sets the role's password to the recorded one (a new random one the first time).
 * Deleting drops the database (closing its connections) and the role. No params.
 * Outputs (score-compose's, plus `url`): host, port, name and database (both the database's name),
 * username; secrets: password, url.
 */
import { randomBytes } from 'node:crypto';
import type Pg from 'pg';
import { z } from 'zod';
import type { SpecOf } from '../schema.js';
import type { Provisioner } from '../types.js';
import { resourceName } from './names.js';
import { parseParams } from './params.js';

/** The part of a `pg.Client` the provisioner uses. */
export interface PgConnection {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  end(): Promise<void>;
}

export interface PostgresProvisionerOptions {
  /** Opens an admin connection. Default: a `pg.Client`. */
  readonly connect?: (url: string) => Promise<PgConnection>;
  /** A new role password. Default: 32 random bytes, base64url (safe in URLs unencoded). */
  readonly newPassword?: () => string;
}

/** Creates the `postgres` provisioner. */
export function postgresProvisioner(options: PostgresProvisionerOptions = {}): Provisioner<SpecOf<'postgres'>> {
  const connect = options.connect ?? connectClient;
  const newPassword = options.newPassword ?? (() => randomBytes(32).toString('base64url'));
  return {
    prepare({ params }) {
      return parseParams(z.strictObject({}), params);
    },
    async provision({ environment, uid, spec, previous }) {
      const name = databaseName(environment, uid);
      const password = previous?.password ?? newPassword();
      const pg = await driver();
      await withConnection(connect, spec.adminUrl, async (db) => {
        const role = pg.escapeIdentifier(name);
        const roleExists = (await db.query('select 1 from pg_roles where rolname = $1', [name])).rowCount;
        if (!roleExists) await ignoreDuplicate(db.query(`create role ${role} login password ${pg.escapeLiteral(password)}`));
        await db.query(`alter role ${role} with login password ${pg.escapeLiteral(password)}`);
        const databaseExists = (await db.query('select 1 from pg_database where datname = $1', [name])).rowCount;
        if (!databaseExists) await ignoreDuplicate(db.query(`create database ${role} owner ${role}`));
        await db.query(`revoke all on database ${role} from public`);
      });
      const { host, port } = serverAddress(spec);
      const url = `postgresql://${name}:${encodeURIComponent(password)}@${host.includes(':') ? `[${host}]` : host}:${port}/${name}`;
      return { outputs: { host, port: String(port), name, database: name, username: name }, secrets: { password, url } };
    },
    async deprovision({ environment, uid, spec }) {
      const name = (await driver()).escapeIdentifier(databaseName(environment, uid));
      await withConnection(connect, spec.adminUrl, async (db) => {
        await db.query(`drop database if exists ${name} with (force)`);
        await db.query(`drop role if exists ${name}`);
      });
    },
  };
}

/**
 * The database and role name for a resource: `slipway_<environment>_<uid>` in lower-case letters,
 * digits and `_`, cut to fit PostgreSQL's 63 bytes, with a hash of the original so that names
 * that read alike stay distinct.
 */
export function databaseName(environment: string, uid: string): string {
  return resourceName(environment, uid, 63);
}

function serverAddress(spec: SpecOf<'postgres'>): { host: string; port: number } {
  const url = new URL(spec.adminUrl);
  return { host: spec.host ?? url.hostname.replace(/^\[(.*)\]$/, '$1'), port: spec.port ?? (url.port ? Number(url.port) : 5432) };
}

async function withConnection(connect: (url: string) => Promise<PgConnection>, url: string, work: (db: PgConnection) => Promise<void>): Promise<void> {
  const db = await connect(url);
  try {
    await work(db);
  } finally {
    await db.end();
  }
}

/** The PostgreSQL driver, loaded when a database is first provisioned rather than with every command. */
async function driver(): Promise<typeof Pg> {
  return (await import('pg')).default;
}

async function connectClient(url: string): Promise<PgConnection> {
  const pg = await driver();
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a broken connection fails the query in flight instead
  await client.connect();
  return client;
}

/** Another provisioner created it at the same moment: that is what we wanted. */
async function ignoreDuplicate(query: Promise<unknown>): Promise<void> {
  try {
    await query;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '42710' && code !== '42P04' && code !== '23505') throw error;
  }
}
