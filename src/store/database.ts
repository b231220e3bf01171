/**
 * The store's tables as Kysely sees them. Row shapes mirror `migrations.ts`; JSON columns are
 * written as JSON text (node-postgres would turn a JS array into a Postgres array) and read back
 * parsed. `bigint` columns come back as strings from node-postgres, so they are read as `unknown`
 * and converted where used.
 */
import type { BuildLogTable, BuildTable } from './build-store.js';
import type { ColumnType } from 'kysely';
import type { ApprovalTable, PromotionTable } from './promotion-store.js';
import type { ApiTokenTable } from './token-store.js';
import type { LeaseTable } from './lease-store.js';
import type { Environment, Service, Target } from '../inputs/schema.js';
import type { ObservedInstance, ReleaseRef, UnitHealth } from '../desired/types.js';
import type { DeploymentStatus, ResourceUser, StepStatus } from './types.js';

/** A JSON column: read as `T`, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;
/** A `bigint` identity column: assigned by the database, read as string or number by driver. */
export type Serial = ColumnType<string | number | bigint, never, never>;

export interface SpecTable<T> {
  name: string;
  spec: Json<T>;
  updated_at: Date;
}

export interface ReleaseTable {
  id: string;
  /** Creation order, so that "newest first" is total even when clock readings tie. */
  seq: Serial;
  service: string;
  version: string;
  artifact_digest: string | null;
  spec_hash: string;
  spec: Json<Service>;
  created_at: Date;
  created_by: string;
}

export interface DeploymentTable {
  id: string;
  /** Creation order, so that "newest first" is total even when clock readings tie. */
  seq: Serial;
  service: string;
  environment: string;
  release_id: string;
  status: DeploymentStatus;
  message: string;
  targets: ColumnType<string[] | null, string | null, string | null>;
  strategy: string | null;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
}

export interface DeploymentStepTable {
  deployment_id: string;
  idx: number;
  kind: string;
  target: string;
  status: StepStatus;
  message: string;
  started_at: Date;
  finished_at: Date | null;
}

/** Instances as stored: JSON has no dates, so `startedAt` is an ISO string. */
export type StoredInstance = Omit<ObservedInstance, 'startedAt'> & { readonly startedAt?: string };

export interface ObservedTable {
  service: string;
  environment: string;
  target: string;
  release: Json<ReleaseRef>;
  config_hash: string;
  replicas: number;
  instances: Json<StoredInstance[]>;
  health: UnitHealth;
  observed_at: Date;
}

export interface EventTable {
  seq: Serial;
  at: Date;
  type: string;
  actor: string;
  service: string | null;
  environment: string | null;
  message: string;
  data: Json<Record<string, unknown>>;
}

/** One secret, encrypted: the store never sees its value or the key. */
export interface SecretTable {
  name: string;
  ciphertext: Uint8Array;
  nonce: Uint8Array;
  created_at: Date;
  updated_at: Date;
}

/** One attempt to deliver a webhook. */
export interface DeliveryTable {
  delivery_id: string;
  attempt: number;
  hook: string;
  event_seq: ColumnType<unknown, number, never>;
  event_type: string;
  outcome: 'delivered' | 'will-retry' | 'failed' | 'gave-up';
  status_code: number | null;
  error: string | null;
  at: Date;
}

/** A (service, environment) the reconcile loop leaves alone. */
export interface ConvergencePauseTable {
  service: string;
  environment: string;
  actor: string;
  reason: string;
  at: Date;
}

/** One provisioned resource in one environment. Secret outputs are stored as `secret:` references. */
export interface ResourceTable {
  environment: string;
  uid: string;
  type: string;
  class: string | null;
  id: string | null;
  provisioner: Json<Record<string, unknown>>;
  params: Json<Record<string, unknown>>;
  params_hash: string;
  outputs: Json<Record<string, string>>;
  used_by: Json<ResourceUser[]>;
  created_at: Date;
  updated_at: Date;
}

/** Every table of the store. */
export interface Database {
  services: SpecTable<Service>;
  environments: SpecTable<Environment>;
  targets: SpecTable<Target>;
  releases: ReleaseTable;
  deployments: DeploymentTable;
  deployment_steps: DeploymentStepTable;
  observed: ObservedTable;
  events: EventTable;
  secrets: SecretTable;
  resources: ResourceTable;
  promotions: PromotionTable;
  approvals: ApprovalTable;
  convergence_pauses: ConvergencePauseTable;
  notification_deliveries: DeliveryTable;
  api_tokens: ApiTokenTable;
  leases: LeaseTable;
  builds: BuildTable;
  build_log: BuildLogTable;
}
