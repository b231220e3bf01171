/**
 * Builds: one row per build of a service's commit, from `queued` through `running` to an end, and
 * its log, line by line. One commit of a service is built once: a build of it that is queued,
 * running or succeeded stands, and another is refused (a partial unique index); a failed or
 * cancelled one may be built again.
 */
import { randomUUID } from 'node:crypto';
import { sql, type GeneratedAlways, type Kysely, type Selectable } from 'kysely';
import type { Migration } from 'kysely/migration';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const BUILD_ENDS: readonly BuildStatus[] = ['succeeded', 'failed', 'cancelled'];

/** What started a build: a verified webhook push, the poller finding a tag, or a person. */
export type BuildTrigger = 'webhook' | 'poll' | 'manual';

export interface NewBuild {
  readonly service: string;
  /** The tag (or branch, or commit) asked for. */
  readonly ref: string;
  /** The commit the ref named when the build was asked for: what is built. */
  readonly commit: string;
  readonly trigger: BuildTrigger;
  readonly actor: string;
}

export interface Build extends NewBuild {
  readonly id: string;
  /** Order of asking, across services. */
  readonly seq: number;
  readonly status: BuildStatus;
  /** What happened, in words: why it waits, what it does, how it ended. */
  readonly message: string;
  /** The pushed image, by digest (`host/path@sha256:…`), of an image build that succeeded. */
  readonly image: string | null;
  /** The artifact's digest, of an artifact build that succeeded. */
  readonly artifactDigest: string | null;
  /** The release the build became. */
  readonly releaseId: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** How a build ended. */
export interface BuildOutcome {
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  readonly message: string;
  readonly image?: string;
  readonly artifactDigest?: string;
  readonly releaseId?: string;
}

export interface BuildStore {
  /** Queues a build unless one of the same service and commit is queued, running or succeeded: then that one, with `queued: false`. */
  queueBuild(build: NewBuild): Promise<{ build: Build; queued: boolean }>;
  /** Moves a queued build to `running`; undefined when it is not queued any more (taken, cancelled). */
  startBuild(id: string, message: string): Promise<Build | undefined>;
  /** Ends a queued or running build; false when it had ended already (the first end stands). */
  finishBuild(id: string, outcome: BuildOutcome): Promise<boolean>;
  getBuild(id: string): Promise<Build | undefined>;
  /** Newest first. */
  listBuilds(filter?: { service?: string; commit?: string; statuses?: readonly BuildStatus[]; limit?: number }): Promise<Build[]>;
  /** Appends lines to a build's log. */
  appendBuildLog(id: string, lines: readonly string[]): Promise<void>;
  /** A build's log lines after the first `after` (0: from the start), and the number of the last line read (`after` when none). */
  readBuildLog(id: string, after?: number): Promise<{ lines: string[]; next: number }>;
}

export interface BuildTable {
  id: string;
  /** Given by the database; read back as a string or bigint. */
  seq: GeneratedAlways<string>;
  service: string;
  ref: string;
  commit: string;
  trigger: BuildTrigger;
  actor: string;
  status: BuildStatus;
  message: string;
  image: string | null;
  artifact_digest: string | null;
  release_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface BuildLogTable {
  build_id: string;
  n: number;
  line: string;
}

export interface BuildTables {
  builds: BuildTable;
  build_log: BuildLogTable;
}

const STANDING = sql<boolean>`status in ('queued', 'running', 'succeeded')`;

/** `0010_builds`: builds and their logs. */
export const buildsMigration: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('builds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull().unique().generatedAlwaysAsIdentity())
      .addColumn('service', sql`text collate "C"`, (c) => c.notNull())
      .addColumn('ref', 'text', (c) => c.notNull())
      .addColumn('commit', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`))
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('image', 'text')
      .addColumn('artifact_digest', 'text')
      .addColumn('release_id', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('started_at', 'timestamptz')
      .addColumn('finished_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('builds_one_per_commit').on('builds').columns(['service', 'commit']).unique().where(STANDING).execute();
    await db.schema
      .createTable('build_log')
      .addColumn('build_id', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('line', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('build_log_pk', ['build_id', 'n'])
      .execute();
  },
};

/** Builds in the store's database (PostgreSQL or PGlite), through Kysely. */
export class KyselyBuildStore implements BuildStore {
  constructor(
    private readonly db: Kysely<BuildTables>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async queueBuild(build: NewBuild): Promise<{ build: Build; queued: boolean }> {
    const row = { id: `b-${randomUUID()}`, ...build, status: 'queued' as const, message: 'queued', created_at: this.now() };
    const inserted = await this.db
      .insertInto('builds')
      .values(row)
      .onConflict((oc) => oc.columns(['service', 'commit']).where(STANDING).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { build: toBuild(inserted), queued: true };
    const standing = await this.db.selectFrom('builds').selectAll().where('service', '=', build.service).where('commit', '=', build.commit).where(STANDING).executeTakeFirstOrThrow();
    return { build: toBuild(standing), queued: false };
  }

  async startBuild(id: string, message: string): Promise<Build | undefined> {
    const row = await this.db.updateTable('builds').set({ status: 'running', message, started_at: this.now() }).where('id', '=', id).where('status', '=', 'queued').returningAll().executeTakeFirst();
    return row && toBuild(row);
  }

  async finishBuild(id: string, outcome: BuildOutcome): Promise<boolean> {
    const result = await this.db
      .updateTable('builds')
      .set({
        status: outcome.status,
        message: outcome.message,
        image: outcome.image ?? null,
        artifact_digest: outcome.artifactDigest ?? null,
        release_id: outcome.releaseId ?? null,
        finished_at: this.now(),
      })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async getBuild(id: string): Promise<Build | undefined> {
    const row = await this.db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBuild(row);
  }

  async listBuilds(filter: { service?: string; commit?: string; statuses?: readonly BuildStatus[]; limit?: number } = {}): Promise<Build[]> {
    let query = this.db.selectFrom('builds').selectAll().orderBy('seq', 'desc');
    if (filter.service !== undefined) query = query.where('service', '=', filter.service);
    if (filter.commit !== undefined) query = query.where('commit', '=', filter.commit);
    if (filter.statuses !== undefined) query = query.where('status', 'in', filter.statuses.length ? [...filter.statuses] : ['none' as BuildStatus]);
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return (await query.execute()).map(toBuild);
  }

  async appendBuildLog(id: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      const { count } = await tx.selectFrom('build_log').select((eb) => eb.fn.countAll<string>().as('count')).where('build_id', '=', id).executeTakeFirstOrThrow();
      const first = Number(count);
      await tx.insertInto('build_log').values(lines.map((line, i) => ({ build_id: id, n: first + i + 1, line }))).execute();
    });
  }

  async readBuildLog(id: string, after = 0): Promise<{ lines: string[]; next: number }> {
    const rows = await this.db.selectFrom('build_log').select(['n', 'line']).where('build_id', '=', id).where('n', '>', after).orderBy('n').execute();
    return { lines: rows.map((r) => r.line), next: rows.at(-1)?.n ?? after };
  }
}

function toBuild(row: Selectable<BuildTable>): Build {
  return {
    id: row.id,
    seq: Number(row.seq),
    service: row.service,
    ref: row.ref,
    commit: row.commit,
    trigger: row.trigger,
    actor: row.actor,
    status: row.status,
    message: row.message,
    image: row.image,
    artifactDigest: row.artifact_digest,
    releaseId: row.release_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
