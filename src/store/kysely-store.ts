/**
 * The `Store` over Kysely: the same code serves PostgreSQL and embedded PGlite. Whoever builds
 * the `Kysely` instance hands it over; `close()` destroys it.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Environment, Service, Target } from '../inputs/schema.js';
import type { ObservedUnit, Release, UnitKey } from '../desired/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { KyselyPromotionStore, insertEvent } from './promotion-store.js';
import { KyselyTokenStore, type TokenStore } from './token-store.js';
import { KyselyLeaseStore, type LeaseStore } from './lease-store.js';
import { KyselyBuildStore, type BuildStore } from './build-store.js';
import type { Database, DeploymentStepTable, DeploymentTable, EventTable, ObservedTable, ReleaseTable, ResourceTable, SecretTable } from './database.js';
import {
  type ConvergencePause,
  type DeliveryRecord,
  type Deployment,
  type DeploymentStatus,
  type DeploymentHead,
  type DeploymentStep,
  type NamedSpec,
  type NewDeployment,
  type NewEvent,
  type NewRelease,
  type NewResourceRecord,
  type ObservedRecord,
  type ResourceRecord,
  type SealedSecret,
  type SecretInfo,
  type StoredSecret,
  type SlipwayEvent,
  type StepStatus,
  type Store,
} from './types.js';

/** Side effects a store needs, injectable for tests. */
export interface KyselyStoreOptions {
  /** The clock for every recorded timestamp. Default: the system clock. */
  readonly now?: () => Date;
  /** Runs once, after the database is destroyed (e.g. releasing a lock). */
  readonly onClose?: () => void;
}

type SpecTableName = 'services' | 'environments' | 'targets';


/** Promotions and approvals come from `KyselyPromotionStore`; everything else is here. */
export class KyselyStore extends KyselyPromotionStore implements Store {
  readonly #db: Kysely<Database>;
  readonly tokens: TokenStore;
  readonly leases: LeaseStore;
  readonly builds: BuildStore;
  readonly #now: () => Date;
  readonly #onClose: () => void;
  #closing: Promise<void> | undefined;

  /** Takes ownership of `db`, whose schema must be migrated (see `migrateToLatest`). */
  constructor(db: Kysely<Database>, options: KyselyStoreOptions = {}) {
    const now = options.now ?? (() => new Date());
    super(db, now);
    this.#db = db;
    this.tokens = new KyselyTokenStore(db, now);
    this.leases = new KyselyLeaseStore(db);
    this.builds = new KyselyBuildStore(db, now);
    this.#now = now;
    this.#onClose = options.onClose ?? (() => {});
  }

  async syncProject(project: {
    services: Record<string, Service>;
    environments: Record<string, Environment>;
    targets: Record<string, Target>;
  }): Promise<void> {
    const at = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      await replaceSpecs(trx, 'services', project.services, at);
      await replaceSpecs(trx, 'environments', project.environments, at);
      await replaceSpecs(trx, 'targets', project.targets, at);
    });
  }

  listServices(): Promise<NamedSpec<Service>[]> {
    return this.#listSpecs('services');
  }

  listEnvironments(): Promise<NamedSpec<Environment>[]> {
    return this.#listSpecs('environments');
  }

  listTargets(): Promise<NamedSpec<Target>[]> {
    return this.#listSpecs('targets');
  }

  async putRelease(release: NewRelease): Promise<Release> {
    // Insert first and let the unique (service, version) constraint decide races.
    const inserted = await this.#db
      .insertInto('releases')
      .values({
        id: randomUUID(),
        service: release.service,
        version: release.version,
        artifact_digest: release.artifactDigest,
        spec_hash: release.specHash,
        spec: JSON.stringify(release.spec),
        created_at: this.#now(),
        created_by: release.createdBy,
      })
      .onConflict((oc) => oc.columns(['service', 'version']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return toRelease(inserted);
    const existing = await this.findRelease(release.service, release.version);
    if (!existing) throw new Error(`release ${release.service}@${release.version} vanished after a conflicting insert`);
    if (existing.artifactDigest !== release.artifactDigest || existing.specHash !== release.specHash) {
      throw new ConflictError(
        `release ${release.service}@${release.version} already exists with other content ` +
          `(digest ${existing.artifactDigest ?? 'none'}, spec ${existing.specHash}); choose a new version`,
      );
    }
    return existing;
  }

  async getRelease(id: string): Promise<Release | undefined> {
    const row = await this.#db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRelease(row);
  }

  async findRelease(service: string, version: string): Promise<Release | undefined> {
    const row = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .where('version', '=', version)
      .executeTakeFirst();
    return row && toRelease(row);
  }

  async listReleases(service: string): Promise<Release[]> {
    const rows = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .orderBy('seq', 'desc')
      .execute();
    return rows.map(toRelease);
  }

  async createDeployment(input: NewDeployment, events: readonly NewEvent[] = []): Promise<Deployment> {
    const release = await this.getRelease(input.releaseId);
    if (!release) throw new NotFoundError('release', input.releaseId);
    if (release.service !== input.service) {
      throw new ConflictError(`release ${input.releaseId} is a release of ${release.service}, not of ${input.service}`);
    }
    const at = this.#now();
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('deployments')
        .values({
          id: input.id ?? randomUUID(),
          service: input.service,
          environment: input.environment,
          release_id: input.releaseId,
          status: 'running',
          message: input.message ?? '',
          targets: input.targets ? JSON.stringify(input.targets) : null,
          strategy: input.strategy ?? null,
          created_by: input.createdBy,
          created_at: at,
          finished_at: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        const existing = await trx.selectFrom('deployments').selectAll().where('id', '=', input.id!).executeTakeFirstOrThrow();
        if (existing.service !== input.service || existing.environment !== input.environment || existing.release_id !== input.releaseId) {
          throw new ConflictError(`deployment ${input.id} exists for another service, environment or release`);
        }
        return toDeployment(existing);
      }
      for (const event of events) await insertEvent(trx, event, at);
      return toDeployment(row);
    });
  }

  async startStep(deploymentId: string, step: { kind: string; target: string; message: string }): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      // Locking the deployment row serialises concurrent steps of one deployment.
      const owner = await trx.selectFrom('deployments').select('id').where('id', '=', deploymentId).forUpdate().executeTakeFirst();
      if (!owner) throw new NotFoundError('deployment', deploymentId);
      const { next } = await trx
        .selectFrom('deployment_steps')
        .select(sql<number>`coalesce(max(idx) + 1, 0)::integer`.as('next'))
        .where('deployment_id', '=', deploymentId)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('deployment_steps')
        .values({ deployment_id: deploymentId, idx: next, ...step, status: 'running', started_at: this.#now(), finished_at: null })
        .execute();
      return next;
    });
  }

  async finishStep(deploymentId: string, index: number, outcome: { status: Exclude<StepStatus, 'running'>; message: string }): Promise<void> {
    const result = await this.#db
      .updateTable('deployment_steps')
      .set({ status: outcome.status, message: outcome.message, finished_at: this.#now() })
      .where('deployment_id', '=', deploymentId)
      .where('idx', '=', index)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFoundError('deployment step', `${deploymentId}#${index}`);
  }

  async finishDeployment(id: string, outcome: { status: Exclude<DeploymentStatus, 'running'>; message: string }, events: readonly NewEvent[] = []): Promise<boolean> {
    const at = this.#now();
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('deployments')
        .set({ status: outcome.status, message: outcome.message, finished_at: at })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) {
        for (const event of events) await insertEvent(trx, event, at);
        return true;
      }
      const existing = await trx.selectFrom('deployments').select('status').where('id', '=', id).executeTakeFirst();
      if (!existing) throw new NotFoundError('deployment', id);
      return false;
    });
  }

  async getDeployment(id: string): Promise<(Deployment & { steps: DeploymentStep[] }) | undefined> {
    const row = await this.#db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const steps = await this.#db.selectFrom('deployment_steps').selectAll().where('deployment_id', '=', id).orderBy('idx').execute();
    return { ...toDeployment(row), steps: steps.map(toStep) };
  }

  async listDeployments(filter: { service?: string; environment?: string; statuses?: readonly DeploymentStatus[]; limit?: number } = {}): Promise<Deployment[]> {
    let query = this.#db.selectFrom('deployments').selectAll().orderBy('seq', 'desc');
    if (filter.statuses !== undefined) query = query.where('status', 'in', [...filter.statuses]);
    if (filter.service !== undefined) query = query.where('service', '=', filter.service);
    if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return (await query.execute()).map(toDeployment);
  }

  currentRelease(service: string, environment: string): Promise<Release | undefined> {
    return this.newestRelease(service, environment, ['succeeded']);
  }

  acceptedRelease(service: string, environment: string): Promise<Release | undefined> {
    return this.newestRelease(service, environment, ['succeeded', 'partial']);
  }

  async newestDeployments(statuses?: readonly DeploymentStatus[]): Promise<DeploymentHead[]> {
    if (statuses?.length === 0) return [];
    let newest = this.#db
      .selectFrom('deployments')
      .select(['id', 'service', 'environment', 'status', 'release_id'])
      .distinctOn(['service', 'environment'])
      .orderBy('service')
      .orderBy('environment')
      .orderBy('seq', 'desc');
    if (statuses) newest = newest.where('status', 'in', [...statuses]);
    const rows = await this.#db.selectFrom(newest.as('d')).innerJoin('releases as r', 'r.id', 'd.release_id').select(['d.id', 'd.service', 'd.environment', 'd.status', 'd.release_id', 'r.version']).execute();
    return rows.map((row) => ({ service: row.service, environment: row.environment, deploymentId: row.id, status: row.status, releaseId: row.release_id, version: row.version }));
  }

  private async newestRelease(service: string, environment: string, statuses: DeploymentStatus[]): Promise<Release | undefined> {
    const row = await this.#db
      .selectFrom('deployments as d')
      .innerJoin('releases as r', 'r.id', 'd.release_id')
      .selectAll('r')
      .where('d.service', '=', service)
      .where('d.environment', '=', environment)
      .where('d.status', 'in', statuses)
      .orderBy('d.seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toRelease(row);
  }

  async putObserved(target: string, units: readonly ObservedUnit[], at: Date): Promise<void> {
    refuseStrays(target, units);
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('observed').where('target', '=', target).execute();
      if (units.length > 0) await trx.insertInto('observed').values(units.map((unit) => observedRow(unit, at))).execute();
    });
  }

  async patchObserved(target: string, change: { readonly put: readonly ObservedUnit[]; readonly drop: readonly UnitKey[] }, at: Date): Promise<void> {
    refuseStrays(target, [...change.put, ...change.drop]);
    if (change.put.length === 0 && change.drop.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      if (change.drop.length > 0) {
        await trx
          .deleteFrom('observed')
          .where('target', '=', target)
          .where((eb) => eb.or(change.drop.map((key) => eb.and([eb('service', '=', key.service), eb('environment', '=', key.environment)]))))
          .execute();
      }
      if (change.put.length === 0) return;
      await trx
        .insertInto('observed')
        .values(change.put.map((unit) => observedRow(unit, at)))
        .onConflict((conflict) =>
          conflict.columns(['service', 'environment', 'target']).doUpdateSet((eb) => ({
            release: eb.ref('excluded.release'),
            config_hash: eb.ref('excluded.config_hash'),
            replicas: eb.ref('excluded.replicas'),
            instances: eb.ref('excluded.instances'),
            health: eb.ref('excluded.health'),
            observed_at: eb.ref('excluded.observed_at'),
          })),
        )
        .execute();
    });
  }

  async listObserved(filter: Partial<UnitKey> = {}): Promise<ObservedRecord[]> {
    let query = this.#db.selectFrom('observed').selectAll().orderBy('service').orderBy('environment').orderBy('target');
    if (filter.service !== undefined) query = query.where('service', '=', filter.service);
    if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
    if (filter.target !== undefined) query = query.where('target', '=', filter.target);
    return (await query.execute()).map(toObserved);
  }

  async appendEvent(event: NewEvent): Promise<SlipwayEvent> {
    return this.#db.transaction().execute(async (trx) => toEvent(await insertEvent(trx, event, this.#now())));
  }

  async listEvents(filter: { afterSeq?: number; service?: string; environment?: string; type?: string; limit?: number; last?: number } = {}): Promise<SlipwayEvent[]> {
    let query = this.#db.selectFrom('events').selectAll().orderBy('seq', filter.last === undefined ? 'asc' : 'desc');
    if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
    if (filter.service !== undefined) query = query.where('service', '=', filter.service);
    if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    const limit = filter.last ?? filter.limit;
    if (limit !== undefined) query = query.limit(limit);
    const rows = (await query.execute()).map(toEvent);
    return filter.last === undefined ? rows : rows.reverse();
  }

  async putSecret(name: string, sealed: SealedSecret): Promise<void> {
    const at = this.#now();
    await this.#db
      .insertInto('secrets')
      .values({ name, ciphertext: sealed.ciphertext, nonce: sealed.nonce, created_at: at, updated_at: at })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet((eb) => ({ ciphertext: eb.ref('excluded.ciphertext'), nonce: eb.ref('excluded.nonce'), updated_at: eb.ref('excluded.updated_at') })),
      )
      .execute();
  }

  async getSecret(name: string): Promise<StoredSecret | undefined> {
    const row = await this.#db.selectFrom('secrets').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { ...toSecretInfo(row), ciphertext: new Uint8Array(row.ciphertext), nonce: new Uint8Array(row.nonce) };
  }

  async listSecrets(): Promise<SecretInfo[]> {
    const rows = await this.#db.selectFrom('secrets').select(['name', 'created_at', 'updated_at']).orderBy('name').execute();
    return rows.map(toSecretInfo);
  }

  async deleteSecret(name: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('secrets').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async putResource(record: NewResourceRecord): Promise<ResourceRecord> {
    const at = this.#now();
    const row = await this.#db
      .insertInto('resources')
      .values({
        environment: record.environment,
        uid: record.uid,
        type: record.type,
        class: record.class,
        id: record.id,
        provisioner: JSON.stringify(record.provisioner),
        params: JSON.stringify(record.params),
        params_hash: record.paramsHash,
        outputs: JSON.stringify(record.outputs),
        used_by: JSON.stringify(record.usedBy),
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.columns(['environment', 'uid']).doUpdateSet((eb) => ({
          type: eb.ref('excluded.type'),
          class: eb.ref('excluded.class'),
          id: eb.ref('excluded.id'),
          provisioner: eb.ref('excluded.provisioner'),
          params: eb.ref('excluded.params'),
          params_hash: eb.ref('excluded.params_hash'),
          outputs: eb.ref('excluded.outputs'),
          used_by: eb.ref('excluded.used_by'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toResource(row);
  }

  async getResource(environment: string, uid: string): Promise<ResourceRecord | undefined> {
    const row = await this.#db.selectFrom('resources').selectAll().where('environment', '=', environment).where('uid', '=', uid).executeTakeFirst();
    return row && toResource(row);
  }

  async recordDelivery(attempt: DeliveryRecord): Promise<void> {
    await this.#db
      .insertInto('notification_deliveries')
      .values({
        delivery_id: attempt.deliveryId,
        attempt: attempt.attempt,
        hook: attempt.hook,
        event_seq: attempt.eventSeq,
        event_type: attempt.eventType,
        outcome: attempt.outcome,
        status_code: attempt.statusCode,
        error: attempt.error,
        at: attempt.at,
      })
      .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
      .execute();
  }

  async listDeliveries(filter: { eventSeq?: number; limit?: number } = {}): Promise<DeliveryRecord[]> {
    let query = this.#db.selectFrom('notification_deliveries').selectAll().orderBy('at', 'desc').orderBy('attempt', 'desc');
    if (filter.eventSeq !== undefined) query = query.where('event_seq', '=', filter.eventSeq);
    if (filter.limit) query = query.limit(filter.limit);
    return (await query.execute()).map((row) => ({
      deliveryId: row.delivery_id,
      hook: row.hook,
      eventSeq: Number(row.event_seq),
      eventType: row.event_type,
      attempt: row.attempt,
      outcome: row.outcome,
      statusCode: row.status_code,
      error: row.error,
      at: row.at,
    }));
  }

  async pauseConvergence(pause: Omit<ConvergencePause, 'at'>): Promise<ConvergencePause> {
    const row = await this.#db
      .insertInto('convergence_pauses')
      .values({ ...pause, at: this.#now() })
      .onConflict((oc) => oc.columns(['service', 'environment']).doUpdateSet((eb) => ({ actor: eb.ref('excluded.actor'), reason: eb.ref('excluded.reason'), at: eb.ref('excluded.at') })))
      .returningAll()
      .executeTakeFirstOrThrow();
    return row;
  }

  async resumeConvergence(service: string, environment: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('convergence_pauses').where('service', '=', service).where('environment', '=', environment).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listConvergencePauses(): Promise<ConvergencePause[]> {
    return this.#db.selectFrom('convergence_pauses').selectAll().orderBy('service').orderBy('environment').execute();
  }

  async listResources(filter: { environment?: string } = {}): Promise<ResourceRecord[]> {
    let query = this.#db.selectFrom('resources').selectAll().orderBy('environment').orderBy('uid');
    if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
    return (await query.execute()).map(toResource);
  }

  async deleteResource(environment: string, uid: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('resources').where('environment', '=', environment).where('uid', '=', uid).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  close(): Promise<void> {
    this.#closing ??= this.#db.destroy().finally(this.#onClose);
    return this.#closing;
  }

  async #listSpecs<T>(table: SpecTableName): Promise<NamedSpec<T>[]> {
    const rows = await this.#db.selectFrom(table).select(['name', 'spec']).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, spec: row.spec as T }));
  }
}

/** Makes `table` hold exactly `specs`; `updated_at` moves only for rows whose spec changed. */
async function replaceSpecs(trx: Transaction<Database>, table: SpecTableName, specs: Record<string, unknown>, at: Date): Promise<void> {
  const names = Object.keys(specs);
  let removal = trx.deleteFrom(table);
  if (names.length > 0) removal = removal.where('name', 'not in', names);
  await removal.execute();
  if (names.length === 0) return;
  await trx
    .insertInto(table)
    .values(names.map((name) => ({ name, spec: JSON.stringify(specs[name]), updated_at: at })))
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet((eb) => ({ spec: eb.ref('excluded.spec'), updated_at: eb.ref('excluded.updated_at') }))
        .where(sql<boolean>`${sql.table(table)}.spec is distinct from excluded.spec`),
    )
    .execute();
}

function toRelease(row: Selectable<ReleaseTable>): Release {
  return {
    id: row.id,
    service: row.service,
    version: row.version,
    artifactDigest: row.artifact_digest,
    specHash: row.spec_hash,
    spec: row.spec,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function toDeployment(row: Selectable<DeploymentTable>): Deployment {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    releaseId: row.release_id,
    status: row.status,
    message: row.message,
    targets: row.targets,
    strategy: row.strategy,
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

function toStep(row: Selectable<DeploymentStepTable>): DeploymentStep {
  return {
    deploymentId: row.deployment_id,
    index: row.idx,
    kind: row.kind,
    target: row.target,
    status: row.status,
    message: row.message,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function toObserved(row: Selectable<ObservedTable>): ObservedRecord {
  return {
    service: row.service,
    environment: row.environment,
    target: row.target,
    release: row.release,
    configHash: row.config_hash,
    replicas: row.replicas,
    instances: row.instances.map(({ startedAt, ...instance }) => (startedAt === undefined ? instance : { ...instance, startedAt: new Date(startedAt) })),
    health: row.health,
    observedAt: row.observed_at,
  };
}

function toEvent(row: Selectable<EventTable>): SlipwayEvent {
  return {
    seq: Number(row.seq),
    at: row.at,
    type: row.type,
    actor: row.actor,
    service: row.service,
    environment: row.environment,
    message: row.message,
    data: row.data,
  };
}

function toSecretInfo(row: Pick<Selectable<SecretTable>, 'name' | 'created_at' | 'updated_at'>): SecretInfo {
  return { name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toResource(row: Selectable<ResourceTable>): ResourceRecord {
  return {
    environment: row.environment,
    uid: row.uid,
    type: row.type,
    class: row.class,
    id: row.id,
    provisioner: row.provisioner,
    params: row.params,
    paramsHash: row.params_hash,
    outputs: row.outputs,
    usedBy: row.used_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** `ConflictError` for the first unit that is not on `target`. */
function refuseStrays(target: string, units: readonly UnitKey[]): void {
  const stray = units.find((unit) => unit.target !== target);
  if (stray) throw new ConflictError(`observed unit ${stray.service}/${stray.environment} is on target ${stray.target}, not ${target}`);
}

function observedRow(unit: ObservedUnit, at: Date): Insertable<ObservedTable> {
  return {
    service: unit.service,
    environment: unit.environment,
    target: unit.target,
    release: JSON.stringify(unit.release),
    config_hash: unit.configHash,
    replicas: unit.replicas,
    instances: JSON.stringify(unit.instances),
    health: unit.health,
    observed_at: at,
  };
}
