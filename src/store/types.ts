/**
 * The store: the only component that persists. One interface, two backends (embedded PGlite,
 * PostgreSQL), one schema and one set of migrations, one contract suite.
 */
import type { BuildStore } from './build-store.js';
import type { LeaseStore } from './lease-store.js';
import type { Environment, Service, Target } from '../inputs/schema.js';
import type { ObservedUnit, Release, ServiceInput, UnitKey } from '../desired/types.js';
import type { PromotionStore } from '../engine/promotion/types.js';
import type { TokenStore } from './token-store.js';

/**
 * `partial`: the release runs on every target or host that could be reached; the others were left
 * as they were (unreachable), and the reconcile loop brings them along when they return.
 */
export type DeploymentStatus = 'running' | 'succeeded' | 'partial' | 'failed';
export type StepStatus = 'running' | 'succeeded' | 'failed';

/** A deployment to record; `id` names it when the caller must find it again (a promotion's action redone). */
export interface NewDeployment {
  readonly id?: string;
  readonly service: string;
  readonly environment: string;
  readonly releaseId: string;
  readonly createdBy: string;
  readonly message?: string;
  readonly targets?: readonly string[] | null;
  readonly strategy?: string | null;
}

export interface NewRelease {
  readonly service: string;
  readonly version: string;
  readonly artifactDigest: string | null;
  readonly specHash: string;
  readonly spec: ServiceInput;
  readonly createdBy: string;
}

/** One release into one environment. */
export interface Deployment {
  readonly id: string;
  readonly service: string;
  readonly environment: string;
  readonly releaseId: string;
  readonly status: DeploymentStatus;
  readonly message: string;
  /** Only these of the environment's targets (a canary, one target corrected); null: all of them. */
  readonly targets: readonly string[] | null;
  /** How the targets are changed: `all-at-once`, or one after another (null). */
  readonly strategy: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** The newest deployment of a (service, environment), in brief: which release it carries and how it stands. */
export interface DeploymentHead {
  readonly service: string;
  readonly environment: string;
  readonly deploymentId: string;
  readonly status: DeploymentStatus;
  readonly releaseId: string;
  readonly version: string;
}

/** One journaled step of a deployment: written before it acts and again after. */
export interface DeploymentStep {
  readonly deploymentId: string;
  readonly index: number;
  readonly kind: string;
  readonly target: string;
  readonly status: StepStatus;
  readonly message: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** An observed unit as last recorded, with when it was recorded (the observe loop records a target when what it runs changes). */
export interface ObservedRecord extends ObservedUnit {
  readonly observedAt: Date;
}

/** Append-only audit record. `seq` grows strictly. */
export interface SlipwayEvent {
  readonly seq: number;
  readonly at: Date;
  /** e.g. `deployment.started`, `instance.crashed`. */
  readonly type: string;
  /** Who caused it: a user, `slipway` itself, or a runtime. */
  readonly actor: string;
  readonly service: string | null;
  readonly environment: string | null;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type NewEvent = Omit<SlipwayEvent, 'seq' | 'at' | 'service' | 'environment' | 'data'> & {
  readonly service?: string | null;
  readonly environment?: string | null;
  readonly data?: Readonly<Record<string, unknown>>;
};

export interface NamedSpec<T> {
  readonly name: string;
  readonly spec: T;
}

/** A secret as stored: AES-256-GCM ciphertext (auth tag appended) and its nonce. */
export interface SealedSecret {
  readonly ciphertext: Uint8Array;
  readonly nonce: Uint8Array;
}

/** What may be shown about a secret: never its value. */
export interface SecretInfo {
  readonly name: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type StoredSecret = SealedSecret & SecretInfo;

/** A service that uses a resource, and the name it gives it in its `resources` map. */
export interface ResourceUser {
  readonly service: string;
  readonly resource: string;
}

/** A provisioned resource, as recorded. */
export interface NewResourceRecord {
  readonly environment: string;
  /** `type#class#id` for a shared resource, `service.resource` for a private one. */
  readonly uid: string;
  readonly type: string;
  readonly class: string | null;
  readonly id: string | null;
  /** The provisioner definition it was provisioned with (JSON), needed to delete it later. */
  readonly provisioner: Readonly<Record<string, unknown>>;
  /** The request's params as the provisioner completed them (JSON), needed to delete it later. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Hash of the provisioner definition and the request's params: a change means an update. */
  readonly paramsHash: string;
  /** Output name → value; secret outputs only as `secret:<name>` references. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly usedBy: readonly ResourceUser[];
}

export interface ResourceRecord extends NewResourceRecord {
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A person told the reconcile loop to leave a service in an environment alone. */
export interface ConvergencePause {
  readonly service: string;
  readonly environment: string;
  readonly actor: string;
  readonly reason: string;
  readonly at: Date;
}

/** One attempt to deliver a webhook, as `notifications/` records it. */
export interface DeliveryRecord {
  readonly deliveryId: string;
  readonly hook: string;
  readonly eventSeq: number;
  readonly eventType: string;
  readonly attempt: number;
  readonly outcome: 'delivered' | 'will-retry' | 'failed' | 'gave-up';
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly at: Date;
}

export interface Store extends PromotionStore {
  /** API tokens of the HTTP server. */
  readonly tokens: TokenStore;
  /** Leases: the one lock, shared by every process on this store (`lease-store.ts`). */
  readonly leases: LeaseStore;
  /** Builds of services' commits and their logs. */
  readonly builds: BuildStore;
  /** Appends a delivery attempt; recording the same (delivery, attempt) again changes nothing. */
  recordDelivery(attempt: DeliveryRecord): Promise<void>;
  /** Newest first. */
  listDeliveries(filter?: { eventSeq?: number; limit?: number }): Promise<DeliveryRecord[]>;
  /** Pauses convergence of the service in the environment. Idempotent: a second pause replaces the first. */
  pauseConvergence(pause: Omit<ConvergencePause, 'at'>): Promise<ConvergencePause>;
  /** True when there was a pause to remove. */
  resumeConvergence(service: string, environment: string): Promise<boolean>;
  listConvergencePauses(): Promise<ConvergencePause[]>;

  /** Replace the recorded services, environments and targets with the project file's. */
  syncProject(project: {
    services: Record<string, Service>;
    environments: Record<string, Environment>;
    targets: Record<string, Target>;
  }): Promise<void>;
  listServices(): Promise<NamedSpec<Service>[]>;
  listEnvironments(): Promise<NamedSpec<Environment>[]>;
  listTargets(): Promise<NamedSpec<Target>[]>;

  /**
   * Record a release. Idempotent: the same (service, version) with the same digest and spec hash
   * returns the existing release; with other content it throws `ConflictError`.
   */
  putRelease(release: NewRelease): Promise<Release>;
  /** Undefined when there is none. */
  getRelease(id: string): Promise<Release | undefined>;
  findRelease(service: string, version: string): Promise<Release | undefined>;
  /** Newest first. */
  listReleases(service: string): Promise<Release[]>;

  /**
   * Records a deployment, `running`, with the events that tell of its start, in one transaction.
   * Idempotent by `id`: a deployment of that id is returned as it is, and nothing is recorded.
   * `NotFoundError` for an unknown release; `ConflictError` when the release belongs to another
   * service, or the id to a deployment of something else.
   */
  createDeployment(input: NewDeployment, events?: readonly NewEvent[]): Promise<Deployment>;
  /**
   * Journal a step before it acts; returns its index within the deployment (0, 1, … even when
   * called concurrently). `NotFoundError` for an unknown deployment.
   */
  startStep(deploymentId: string, step: { kind: string; target: string; message: string }): Promise<number>;
  /** Journal a step's outcome after it acted. `NotFoundError` for an unknown step. */
  finishStep(deploymentId: string, index: number, outcome: { status: Exclude<StepStatus, 'running'>; message: string }): Promise<void>;
  /**
   * Ends a running deployment with its status, message and the events that tell of its end, in
   * one transaction; false (and nothing written) when it had ended already, so each deployment is
   * told to end exactly once. `NotFoundError` for an unknown deployment.
   */
  finishDeployment(id: string, outcome: { status: Exclude<DeploymentStatus, 'running'>; message: string }, events?: readonly NewEvent[]): Promise<boolean>;
  getDeployment(id: string): Promise<(Deployment & { steps: DeploymentStep[] }) | undefined>;
  /** Newest first. */
  listDeployments(filter?: { service?: string; environment?: string; statuses?: readonly DeploymentStatus[]; limit?: number }): Promise<Deployment[]>;
  /**
   * The release of the newest (last created) succeeded deployment of the service in the
   * environment; failed and unfinished ones are ignored. Undefined when there is none.
   */
  currentRelease(service: string, environment: string): Promise<Release | undefined>;
  /**
   * The release the environment accepted last: of its newest deployment that succeeded, or that
   * reached everything reachable (`partial`). What the reconcile loop converges to.
   */
  acceptedRelease(service: string, environment: string): Promise<Release | undefined>;
  /**
   * The newest deployment of every (service, environment) among those whose status is one of
   * `statuses` (of any status when absent), in brief, in one read: with `['succeeded']`, every
   * current release at once. A pair with no such deployment is absent.
   */
  newestDeployments(statuses?: readonly DeploymentStatus[]): Promise<DeploymentHead[]>;

  /**
   * Replace everything recorded as observed on `target` with `units`, atomically.
   * `ConflictError` (and nothing changes) when a unit is on another target.
   */
  putObserved(target: string, units: readonly ObservedUnit[], at: Date): Promise<void>;
  /**
   * Record only what changed on `target`, atomically: each unit of `put` replaces its record (or is
   * added), each key of `drop` is removed. `ConflictError` (and nothing changes) when a unit or
   * key is on another target.
   */
  patchObserved(target: string, change: { readonly put: readonly ObservedUnit[]; readonly drop: readonly UnitKey[] }, at: Date): Promise<void>;
  /** Ordered by service, environment, target (code-point order). */
  listObserved(filter?: Partial<UnitKey>): Promise<ObservedRecord[]>;

  /**
   * Records an event at the store's clock. `data` must be JSON. A reader following `afterSeq`
   * never misses one: seq order is commit order. There is no update or delete.
   */
  appendEvent(event: NewEvent): Promise<SlipwayEvent>;
  /** Oldest first, after `afterSeq` when given, of one `type` when given; `limit` keeps the oldest that match, `last` the newest. */
  listEvents(filter?: { afterSeq?: number; service?: string; environment?: string; type?: string; limit?: number; last?: number }): Promise<SlipwayEvent[]>;

  /** Creates or replaces the secret `name`; `createdAt` survives a replacement. */
  putSecret(name: string, sealed: SealedSecret): Promise<void>;
  /** Undefined when there is none. */
  getSecret(name: string): Promise<StoredSecret | undefined>;
  /** Names and timestamps, by name; never ciphertext. */
  listSecrets(): Promise<SecretInfo[]>;
  /** True when there was one to delete. */
  deleteSecret(name: string): Promise<boolean>;

  /** Creates or replaces the record of (environment, uid); `createdAt` survives a replacement. */
  putResource(record: NewResourceRecord): Promise<ResourceRecord>;
  /** Undefined when there is none. */
  getResource(environment: string, uid: string): Promise<ResourceRecord | undefined>;
  /** Ordered by environment, then uid (code-point order). */
  listResources(filter?: { environment?: string }): Promise<ResourceRecord[]>;
  /** True when there was one to delete. */
  deleteResource(environment: string, uid: string): Promise<boolean>;

  /** Close connections. Idempotent. */
  close(): Promise<void>;
}
