/**
 * Promotions and their approvals in the store: the promotion engine's write-ahead record. Each
 * update replaces the promotion's state in one statement, so a reader never sees half a step.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Database, Json, Serial } from './database.js';
import type { NewEvent } from './types.js';
import { NotFoundError } from '../errors.js';
import type { Approval, EnvProgress, Promotion, PromotionStatus, PromotionStore } from '../engine/promotion/types.js';

export interface PromotionTable {
  id: string;
  seq: Serial;
  service: string;
  release_id: string;
  version: string;
  status: PromotionStatus;
  message: string;
  /** Written as an array of `[name, progress]`, because jsonb does not keep the keys of an object in order. */
  environments: Json<[string, EnvProgress][]>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface ApprovalTable {
  promotion_id: string;
  environment: string;
  actor: string;
  groups: Json<string[]>;
  decision: 'approved' | 'rejected';
  comment: string;
  at: Date;
}

/** `0003_promotions`: the promotions and approvals tables. */
export const promotionsMigration: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('promotions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull().unique().generatedAlwaysAsIdentity())
      .addColumn('service', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('environments', 'jsonb', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('promotions_service_seq').on('promotions').columns(['service', 'seq']).execute();
    await db.schema
      .createTable('approvals')
      .addColumn('promotion_id', 'text', (c) => c.notNull().references('promotions.id'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('groups', 'jsonb', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('approvals_promotion').on('approvals').column('promotion_id').execute();
  },
};

const finished: readonly PromotionStatus[] = ['succeeded', 'failed', 'cancelled', 'superseded'];

/** Key of the advisory lock that serialises event appends (so seq order is commit order). */
export const EVENTS_LOCK = 0x5_11_90_ae;

/** Appends an event inside `trx`; the caller's transaction decides whether it is kept. */
export async function insertEvent(trx: Transaction<Database>, event: NewEvent, at: Date) {
  // Held to commit: a later seq can never become visible before an earlier one, so readers that
  // follow `afterSeq` miss nothing.
  await sql`select pg_advisory_xact_lock(${EVENTS_LOCK})`.execute(trx);
  return trx
    .insertInto('events')
    .values({
      at,
      type: event.type,
      actor: event.actor,
      service: event.service ?? null,
      environment: event.environment ?? null,
      message: event.message,
      data: JSON.stringify(event.data ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Promotions and approvals; every change commits together with the events that tell of it. */
export class KyselyPromotionStore implements PromotionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  async createPromotion(input: Parameters<PromotionStore['createPromotion']>[0], events: readonly NewEvent[] = []): Promise<Promotion> {
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
      .insertInto('promotions')
      .values({
        id: input.id,
        service: input.service,
        release_id: input.releaseId,
        version: input.version,
        status: 'running',
        message: input.message,
        environments: JSON.stringify(Object.entries(input.environments)),
        created_by: input.createdBy,
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
      for (const event of events) await insertEvent(trx, event, at);
      return toPromotion(row);
    });
  }

  async getPromotion(id: string): Promise<Promotion | undefined> {
    const row = await this.db.selectFrom('promotions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPromotion(row);
  }

  async listPromotions(filter: { service?: string; active?: boolean; limit?: number } = {}): Promise<Promotion[]> {
    let query = this.db.selectFrom('promotions').selectAll().orderBy('seq', 'desc');
    if (filter.service) query = query.where('service', '=', filter.service);
    if (filter.active) query = query.where('status', 'not in', finished);
    if (filter.limit) query = query.limit(filter.limit);
    return (await query.execute()).map(toPromotion);
  }

  async updatePromotion(id: string, change: { status: PromotionStatus; message: string; environments: Record<string, EnvProgress> }, events: readonly NewEvent[] = []): Promise<Promotion> {
    const at = this.now();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('promotions')
        .set({ status: change.status, message: change.message, environments: JSON.stringify(Object.entries(change.environments)), updated_at: at })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('promotion', id);
      for (const event of events) await insertEvent(trx, event, at);
      return toPromotion(row);
    });
  }

  async addApproval(approval: Omit<Approval, 'at'>): Promise<Approval> {
    const row = await this.db
      .insertInto('approvals')
      .values({ promotion_id: approval.promotionId, environment: approval.environment, actor: approval.actor, groups: JSON.stringify(approval.groups), decision: approval.decision, comment: approval.comment, at: this.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApproval(row);
  }

  async listApprovals(promotionId: string): Promise<Approval[]> {
    const rows = await this.db.selectFrom('approvals').selectAll().where('promotion_id', '=', promotionId).orderBy('at').execute();
    return rows.map(toApproval);
  }
}

function toPromotion(row: Selectable<PromotionTable>): Promotion {
  return {
    id: row.id,
    service: row.service,
    releaseId: row.release_id,
    version: row.version,
    status: row.status,
    message: row.message,
    environments: Object.fromEntries(row.environments),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toApproval(row: Selectable<ApprovalTable>): Approval {
  return { promotionId: row.promotion_id, environment: row.environment, actor: row.actor, groups: row.groups, decision: row.decision, comment: row.comment, at: row.at };
}
