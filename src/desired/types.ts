/**
 * The desired state: what should run, per (service, environment, target), fully resolved.
 * Built from the project file and the store's releases by `resolve.ts`; read by the planner.
 */
import type { HttpProbe, Service } from '../inputs/schema.js';

/** Identity of one unit of deployment: a service in an environment on a target. */
export interface UnitKey {
  readonly service: string;
  readonly environment: string;
  readonly target: string;
}

/** The immutable release a unit runs, as far as runtimes need to know it. */
export interface ReleaseRef {
  readonly id: string;
  readonly version: string;
  /** `sha256:<hex>` of the artifact directory, or null when the workload runs in place. */
  readonly artifactDigest: string | null;
}

/** A release: immutable once created. `spec` is the service definition it was cut from. */
export interface Release extends ReleaseRef {
  readonly service: string;
  /** Hash of `spec`, so that two releases of identical content can be recognised. */
  readonly specHash: string;
  readonly spec: Service;
  readonly createdAt: Date;
  readonly createdBy: string;
}

/** A workload with every default and environment override applied; paths are absolute. */
export interface ResolvedWorkload {
  readonly command: string;
  readonly args: readonly string[];
  /** Absolute directory the process starts in (the artifact snapshot when there is one). */
  readonly workingDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Port name → number, or `auto` for the runtime to allocate. */
  readonly ports: Readonly<Record<string, number | 'auto'>>;
  readonly readinessProbe?: HttpProbe;
  readonly livenessProbe?: HttpProbe;
}

/** One unit as it should be. */
export interface DesiredUnit extends UnitKey {
  readonly release: ReleaseRef;
  readonly workload: ResolvedWorkload;
  readonly replicas: number;
  /** Hash of release id and workload, replicas excluded: equal hashes mean nothing to update. */
  readonly configHash: string;
}

/** Everything that should run, in a stable order (service, environment, target). */
export interface DesiredState {
  readonly units: readonly DesiredUnit[];
}

/** Health of a unit as a whole, in the words people use for it. */
export type UnitHealth = 'healthy' | 'progressing' | 'degraded' | 'missing';

/** Lifecycle of one instance (replica). */
export type InstanceState = 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'stopped';

export interface ObservedInstance {
  /** Stable per unit and replica index, e.g. `dev.api.0`. */
  readonly id: string;
  readonly replica: number;
  readonly state: InstanceState;
  readonly pid?: number;
  /** Port name → port number actually in use. */
  readonly ports: Readonly<Record<string, number>>;
  readonly restarts: number;
  readonly startedAt?: Date;
  readonly message?: string;
}

/** One unit as a runtime sees it now. */
export interface ObservedUnit extends UnitKey {
  readonly release: ReleaseRef;
  readonly configHash: string;
  /** Replicas the runtime was last asked for. */
  readonly replicas: number;
  readonly instances: readonly ObservedInstance[];
  readonly health: UnitHealth;
}

/** Everything that runs now, as reported by the runtimes. */
export interface ObservedState {
  readonly units: readonly ObservedUnit[];
}

/** `service/environment@target`, for maps and messages. */
export function unitId(key: UnitKey): string {
  return `${key.service}/${key.environment}@${key.target}`;
}
