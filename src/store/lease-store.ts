/**
 * Leases: the one lock of Slipway. A lease is a row — key, holder, token, expiry — that its holder
 * renews while it works and deletes when done. It is taken when absent, expired, or held by a
 * holder known to be dead (`lease/holder.ts`); the row is read `FOR UPDATE SKIP LOCKED` inside the
 * taking transaction, so two takers never both win, on PostgreSQL and on PGlite alike. Expiry is
 * judged by the database's clock, the one clock every replica shares.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { knownDead } from '../lease/holder.js';
import type { Database } from './database.js';

export interface LeaseTable {
  key: string;
  holder: string;
  /** New at every taking: a renewal or release by an earlier taking of the same holder changes nothing. */
  token: string;
  acquired_at: Date;
  expires_at: Date;
}

/** A lease as taken: what renewing and releasing it need. */
export interface Lease {
  readonly key: string;
  readonly holder: string;
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * `taken`: the caller holds it now; `recovered` when it was taken over from a holder that left it
 * without releasing it (dead or expired), so work it began may be unfinished. `heldBy`: someone
 * else holds it (undefined: another taker is deciding on it at this instant).
 */
export type TakeResult = { readonly taken: Lease; readonly recovered: boolean } | { readonly heldBy: Lease | undefined };

export interface LeaseStore {
  /** Takes `key` for `holder` for `ttlMs`, as the module comment says. Never waits. */
  takeLease(key: string, holder: string, ttlMs: number): Promise<TakeResult>;
  /** Extends a lease still held by this taking; false when it was lost (expired and taken by another). */
  renewLease(lease: Lease, ttlMs: number): Promise<boolean>;
  /** Gives it up; nothing when it is no longer this taking's. Idempotent. */
  releaseLease(lease: Lease): Promise<void>;
  /** Leases whose holder left them: expired, or held by a holder known dead. For recovery at start. */
  abandonedLeases(): Promise<Lease[]>;
  /** Every lease, by key. */
  listLeases(): Promise<Lease[]>;
}

/** `0008_leases`. */
export const leasesMigration: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('leases')
      .addColumn('key', sql`text collate "C"`, (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};

const ttl = (ms: number) => sql<Date>`clock_timestamp() + make_interval(secs => ${ms / 1000})`;

export class KyselyLeaseStore implements LeaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  takeLease(key: string, holder: string, ttlMs: number): Promise<TakeResult> {
    const token = randomUUID();
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('leases')
        .values({ key, holder, token, acquired_at: sql`clock_timestamp()`, expires_at: ttl(ttlMs) })
        .onConflict((oc) => oc.column('key').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { taken: toLease(inserted), recovered: false };
      const row = await trx
        .selectFrom('leases')
        .selectAll()
        .select(sql<boolean>`expires_at <= clock_timestamp()`.as('expired'))
        .where('key', '=', key)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      // Locked by another taking that is deciding right now, or released since the insert: busy this time.
      if (!row) return { heldBy: undefined };
      if (!row.expired && !knownDead(row.holder)) return { heldBy: toLease(row) };
      const taken = await trx
        .updateTable('leases')
        .set({ holder, token, acquired_at: sql`clock_timestamp()`, expires_at: ttl(ttlMs) })
        .where('key', '=', key)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { taken: toLease(taken), recovered: true };
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    const renewed = await this.db
      .updateTable('leases')
      .set({ expires_at: ttl(ttlMs) })
      .where('key', '=', lease.key)
      .where('token', '=', lease.token)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) === 1;
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.db.deleteFrom('leases').where('key', '=', lease.key).where('token', '=', lease.token).execute();
  }

  async abandonedLeases(): Promise<Lease[]> {
    const rows = await this.db.selectFrom('leases').selectAll().select(sql<boolean>`expires_at <= clock_timestamp()`.as('expired')).orderBy('key').execute();
    return rows.filter((row) => row.expired || knownDead(row.holder)).map(toLease);
  }

  async listLeases(): Promise<Lease[]> {
    return (await this.db.selectFrom('leases').selectAll().orderBy('key').execute()).map(toLease);
  }
}

function toLease(row: { key: string; holder: string; token: string; expires_at: Date }): Lease {
  return { key: row.key, holder: row.holder, token: row.token, expiresAt: row.expires_at };
}
