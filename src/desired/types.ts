/**
 * The desired state: what should run, per (service, environment, target), fully resolved.
 * Built from the project file and the store's releases by `resolve.ts`; read by the planner.
 */
import type { z } from 'zod';
import type { Limits, PortDetail, Probe, Service, WorkloadFile, WorkloadVolume } from '../inputs/schema.js';
import type { Readiness } from '../inputs/start-order.js';

/** A service definition as its owner wrote it: no defaults filled in, no layers applied. */
export type ServiceInput = z.input<typeof Service>;

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

/**
 * A release: immutable once created. `spec` is the service definition it was cut from, as its
 * owner wrote it; layers and environment overrides are applied when it is deployed.
 */
export interface Release extends ReleaseRef {
  readonly service: string;
  /** Hash of `spec`, so that two releases of identical content can be recognised. */
  readonly specHash: string;
  readonly spec: ServiceInput;
  readonly createdAt: Date;
  readonly createdBy: string;
}

/** What each container of a replica runs, with every default applied (fields absent when unset). */
export interface ResolvedContainer {
  /** The command; absent: the image's own entrypoint (container runtimes only). */
  readonly command?: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  /** Container image, for container runtimes. */
  readonly image?: string;
  readonly limits?: Limits;
  readonly requests?: Limits;
  /** Files placed in the container; `content` still holds `${resources.…}` until the deployment fills them in. */
  readonly files?: readonly WorkloadFile[];
  readonly volumes?: readonly WorkloadVolume[];
  /** The containers of the replica that start only once this one reached `ready` (Score's `before`). */
  readonly before?: Readonly<Record<string, { readonly ready: Readiness }>>;
}

/** A workload with every default and environment override applied; paths are absolute. */
export interface ResolvedWorkload extends ResolvedContainer {
  /** Absolute directory the process starts in (the artifact snapshot when there is one). */
  readonly workingDir: string;
  /** Port name → number, or `auto` for the runtime to allocate. */
  readonly ports: Readonly<Record<string, number | 'auto'>>;
  /** Per port name: the port the container listens on and the protocol, where not the published port over TCP. */
  readonly portDetails?: Readonly<Record<string, PortDetail>>;
  /** Further containers of each replica, by name, sharing its network namespace (container runtimes). */
  readonly sidecars?: Readonly<Record<string, ResolvedContainer & { readonly image: string }>>;
  /** The name of the workload's own container, by which a sidecar's `before` names it. */
  readonly container?: string;
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
  /**
   * The release this instance runs. Instances of one unit differ during an update, and after a
   * rollout was interrupted; the unit's own `release` is what it last fully converged to.
   */
  readonly release: ReleaseRef;
  /** The configuration this instance runs (a `DesiredUnit.configHash`). */
  readonly configHash: string;
  /**
   * Where `ports` answer from the control plane's network: an IP address or host name (an IPv6
   * address without brackets). `127.0.0.1` for instances on the control plane's machine; never
   * assumed: build addresses with `instanceUrl`.
   */
  readonly host: string;
  /** The URL the instance serves, for runtimes that serve one rather than ports; absent otherwise. */
  readonly url?: string;
  readonly pid?: number;
  /** Port name → port number actually in use, on `host`. */
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
  /** Files changed by hand where the runtime can tell (static sites); present only when some are. */
  readonly drift?: readonly { readonly path: string; readonly change: 'changed' | 'added' | 'removed' }[];
}

/** Everything that runs now, as reported by the runtimes. */
export interface ObservedState {
  readonly units: readonly ObservedUnit[];
}

/** `service/environment@target`, for maps and messages. */
export function unitId(key: UnitKey): string {
  return `${key.service}/${key.environment}@${key.target}`;
}

/**
 * Orders unit keys by service, then environment, then target (UTF-16 code-unit order, the same
 * on every machine and locale). Returns a negative number, zero or a positive number.
 */
export function compareUnitKeys(a: UnitKey, b: UnitKey): number {
  return (
    compareStrings(a.service, b.service) ||
    compareStrings(a.environment, b.environment) ||
    compareStrings(a.target, b.target)
  );
}

/**
 * A string for `key` that is equal only for equal keys and whose code-unit order is the order of
 * `compareUnitKeys`; sorting by it is several times faster than comparing three fields. Names are
 * joined by `\0\x01`, and a `\0` inside a name is written `\0\x02`.
 */
export function unitSortKey(key: UnitKey): string {
  return `${escapeNul(key.service)}\0\x01${escapeNul(key.environment)}\0\x01${escapeNul(key.target)}`;
}

function escapeNul(name: string): string {
  return name.includes('\0') ? name.replaceAll('\0', '\0\x02') : name;
}

/**
 * `units` sorted by `compareUnitKeys` (a new array; the input is untouched), and the first unit
 * whose key an earlier one already has, if any. O(n) for input already in order, as
 * `desiredState` gives it; O(n log n) otherwise.
 */
export function sortUnits<T extends UnitKey>(units: Iterable<T>): { sorted: T[]; duplicate: T | undefined } {
  let sorted = [...units];
  if (!isSorted(sorted)) {
    const decorated = sorted.map((unit) => ({ key: unitSortKey(unit), unit }));
    decorated.sort((a, b) => compareStrings(a.key, b.key));
    sorted = decorated.map((entry) => entry.unit);
  }
  const index = sorted.findIndex((unit, i) => i > 0 && compareUnitKeys(sorted[i - 1]!, unit) === 0);
  return { sorted, duplicate: sorted[index] };
}

function isSorted(units: readonly UnitKey[]): boolean {
  return units.every((unit, i) => i === 0 || compareUnitKeys(units[i - 1]!, unit) <= 0);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
