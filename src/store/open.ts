/**
 * Opening the store: PostgreSQL when a URL is given, otherwise embedded PGlite in `<dir>/db`.
 * Either way the schema is migrated to the newest version before the store is returned.
 */
import { join } from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect, type Dialect } from 'kysely';
import { ensurePrivateDir, restrictTree } from '../state-dir.js';
import type { Database } from './database.js';
import { KyselyStore } from './kysely-store.js';
import { acquireStoreLock } from './lock.js';
import { migrateToLatest } from './migrations.js';
import type { Store } from './types.js';
import { trace } from '../trace.js';

/**
 * The embedded store's shared buffers. PGlite's default, PostgreSQL's 128 MB, is zeroed on every
 * start: 0.4 s of CPU per command here, for a store whose records take a few megabytes.
 */
const SHARED_BUFFERS = '32MB';

export interface OpenStoreOptions {
  /** A PostgreSQL connection URL (`SLIPWAY_DATABASE_URL`). Absent: the embedded store in `dir`. */
  readonly databaseUrl?: string;
  /** The private state directory (`state-dir.ts`); the embedded store keeps data in `<dir>/db`, its lock beside it. */
  readonly dir: string;
  /** The clock for recorded timestamps. Default: the system clock. */
  readonly now?: () => Date;
}

/**
 * Opens and migrates the store. The embedded store is exclusive to one process: while it is open
 * anywhere (this process included), another open throws `StoreLockedError`; `close()` releases it.
 * Its directory must be private (`UnsafeStateDirError` otherwise), and its files are made so after
 * opening and at close: PGlite creates most of them 0666. PostgreSQL takes no lock: many
 * processes may share one database.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl !== undefined) {
    // The PostgreSQL driver loads only for a store that uses it.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.databaseUrl });
    // An idle connection that breaks is replaced by the pool; the next query reports any outage.
    pool.on('error', () => {});
    return openOver(new PostgresDialect({ pool }), options.now, () => {});
  }
  ensurePrivateDir(options.dir);
  const release = acquireStoreLock(options.dir);
  const data = join(options.dir, 'db');
  const close = () => {
    restrictTree(data);
    release();
  };
  try {
    // PGlite loads only for a store that uses it: a CLI talking to a running server never does.
    const { PGlite } = await import('@electric-sql/pglite');
    trace('pglite loaded');
    const pglite = await PGlite.create(data, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] });
    trace('pglite open');
    const store = await openOver(new PGliteDialect({ pglite }), options.now, close);
    restrictTree(data);
    return store;
  } catch (error) {
    close();
    throw error;
  }
}

async function openOver(dialect: Dialect, now: (() => Date) | undefined, onClose: () => void): Promise<Store> {
  const db = new Kysely<Database>({ dialect });
  try {
    await migrateToLatest(db);
    trace('migrated');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(db, { now, onClose });
}
