/**
 * The shapes shared by requests, plans and provisioners.
 */
import type { ResourceRecord, ResourceUser } from '../store/types.js';
import type { ProvisionerKind, ProvisionerSpec, SpecOf } from './schema.js';

/** A workload's address in one environment: what the `service` provisioner hands out. */
export interface WorkloadAddress {
  readonly service: string;
  readonly host: string;
  /** Port name → number; `auto` ports cannot be addressed before they run. */
  readonly ports: Readonly<Record<string, number | 'auto'>>;
}

/** One resource to exist in one environment, asked for by one or more services. */
export interface RequestedResource {
  readonly environment: string;
  /** `type#class#id` when shared (the request has an `id`), else `service.resource`. */
  readonly uid: string;
  readonly type: string;
  readonly class: string | null;
  readonly id: string | null;
  /** The matching provisioner definition, as written (secret references unresolved). */
  readonly spec: ProvisionerSpec;
  /** The request's params, checked and completed by the provisioner (`prepare`). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Hash of what provisioning depends on: a change makes an `update` step. */
  readonly paramsHash: string;
  /** By service, then resource name. */
  readonly usedBy: readonly ResourceUser[];
  /** Uids of the resources whose outputs its params use (`${resources.<name>.<output>}`): they are provisioned first. */
  readonly dependsOn?: readonly string[];
  /**
   * Uids of those not provisioned yet: its params cannot be resolved, so they are kept as written
   * (unchecked by `prepare`) and the resource waits for a later round of the plan.
   */
  readonly waitsFor?: readonly string[];
}

/** What `prepare` sees of one service's request. */
export interface PrepareInput<S extends ProvisionerSpec> {
  readonly environment: string;
  readonly service: string;
  /** The name the service gives the resource in its `resources` map. */
  readonly resource: string;
  readonly id: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly spec: S;
  readonly workloads: readonly WorkloadAddress[];
}

/** What a provisioner is asked to create or bring up to date. Secret references are resolved. */
export interface ProvisionInput<S extends ProvisionerSpec> extends Omit<RequestedResource, 'spec' | 'paramsHash'> {
  readonly spec: S;
  /** The outputs recorded last time (secrets resolved), when there was a last time. */
  readonly previous?: Readonly<Record<string, string>>;
}

/** What a provisioner is asked to delete. Secret references are resolved. */
export interface DeprovisionInput<S extends ProvisionerSpec> extends Omit<RequestedResource, 'spec' | 'paramsHash'> {
  readonly spec: S;
  readonly outputs: Readonly<Record<string, string>>;
}

/** A provisioner's outputs: `secrets` are kept in the secret store and recorded as references. */
export interface ProvisionResult {
  readonly outputs: Readonly<Record<string, string>>;
  readonly secrets?: Readonly<Record<string, string>>;
}

/** One kind of provisioner. `prepare` is pure; `provision` and `deprovision` are idempotent. */
export interface Provisioner<S extends ProvisionerSpec> {
  /** Checks and completes one service's request params; throws an `Error` whose message says what is wrong. */
  prepare(input: PrepareInput<S>): Record<string, unknown>;
  /** Creates the resource, or brings it up to date; safe to repeat. */
  provision(input: ProvisionInput<S>): Promise<ProvisionResult>;
  /** Deletes the resource; deleting one already gone succeeds. */
  deprovision(input: DeprovisionInput<S>): Promise<void>;
}

/** A provisioner for every kind. */
export type ProvisionerRegistry = { readonly [K in ProvisionerKind]: Provisioner<SpecOf<K>> };

/** One change to the provisioned resources, with the reason it exists. */
export type ResourceStep =
  | { readonly kind: 'create'; readonly resource: RequestedResource; readonly reason: string }
  | { readonly kind: 'update'; readonly resource: RequestedResource; readonly recorded: ResourceRecord; readonly reason: string }
  | { readonly kind: 'delete'; readonly recorded: ResourceRecord; readonly reason: string };

/** A resource whose params need outputs that this plan creates or changes first: planned again after. */
export interface WaitingResource {
  readonly resource: RequestedResource;
  readonly reason: string;
}

/** Creates and updates by uid, then deletes by uid; `waiting` resources are planned again once these are applied. */
export interface ResourcePlan {
  readonly steps: readonly ResourceStep[];
  readonly waiting?: readonly WaitingResource[];
}
