/**
 * Resolution: a service definition, an environment and a target become one `DesiredUnit`, with
 * every override applied and every path absolute.
 */
import { resolve as resolvePath } from 'node:path';
import { ConflictError } from '../errors.js';
import { Service } from '../inputs/schema.js';
import { stableHash } from './hash.js';
import {
  sortUnits,
  unitId,
  type DesiredState,
  type DesiredUnit,
  type Release,
  type ResolvedContainer,
  type ResolvedWorkload,
} from './types.js';

export interface ResolveOptions {
  /** Absolute directory of the project file; relative paths in the service resolve against it. */
  readonly projectDir: string;
  /** Where the artifact store keeps a snapshot; required when there is an artifact digest. */
  readonly artifactPath?: (digest: string) => string;
}

export interface ResolveWorkloadOptions extends ResolveOptions {
  /** `sha256:<hex>` of the release's artifact, or null when the workload runs in place. */
  readonly artifactDigest: string | null;
}

/**
 * Applies the service's override for `environment` (if any) to its workload: `env` and `ports`
 * are merged key by key over the base, `replicas` is replaced. `workingDir` becomes absolute:
 * the artifact snapshot when there is a digest; otherwise `workingDir` (or, with no snapshot
 * yet, the `artifact` source directory) relative to `projectDir`, defaulting to `projectDir`.
 * Pure apart from path arithmetic; throws a `TypeError` when a digest is given without
 * `artifactPath`.
 */
export function resolveWorkload(
  spec: Service,
  environment: string,
  options: ResolveWorkloadOptions,
): { workload: ResolvedWorkload; replicas: number } {
  const { workload: base } = spec;
  const override = spec.environments[environment] ?? {};
  const workload: ResolvedWorkload = {
    ...optionalFields(base),
    args: [...base.args],
    workingDir: workingDir(spec, options),
    env: { ...base.env, ...override.env },
    ports: { ...base.ports, ...override.ports },
    ...(base.portDetails && Object.keys(base.portDetails).length > 0 && { portDetails: base.portDetails }),
    ...(base.sidecars && Object.keys(base.sidecars).length > 0 && {
      sidecars: Object.fromEntries(Object.entries(base.sidecars).map(([name, sidecar]) => [name, { ...optionalFields(sidecar), image: sidecar.image, args: [...sidecar.args], env: { ...sidecar.env } }])),
    }),
    ...(base.container !== undefined && { container: base.container }),
  };
  return { workload, replicas: override.replicas ?? spec.replicas };
}

/**
 * A container's optional fields, present only when set: a workload written before they existed
 * resolves to the same object, so its `configHash` does not change.
 */
function optionalFields(container: Service['workload'] | NonNullable<Service['workload']['sidecars']>[string]): Omit<ResolvedContainer, 'args' | 'env'> {
  return {
    ...(container.command !== undefined && { command: container.command }),
    ...(container.readinessProbe && { readinessProbe: container.readinessProbe }),
    ...(container.livenessProbe && { livenessProbe: container.livenessProbe }),
    ...(container.image && { image: container.image }),
    ...(container.limits && { limits: container.limits }),
    ...(container.requests && { requests: container.requests }),
    ...(container.files?.length && { files: container.files }),
    ...(container.volumes?.length && { volumes: container.volumes }),
    ...(container.before && Object.keys(container.before).length > 0 && { before: container.before }),
  };
}

function workingDir(spec: Service, options: ResolveWorkloadOptions): string {
  const { artifactDigest, artifactPath, projectDir } = options;
  if (artifactDigest !== null) {
    if (!artifactPath) throw new TypeError(`artifactPath is needed to place artifact ${artifactDigest}`);
    return artifactPath(artifactDigest);
  }
  return resolvePath(projectDir, spec.workload.workingDir ?? spec.workload.artifact ?? '.');
}

/**
 * The unit `release` should be in `environment` on `target`. Its `configHash` is the
 * `stableHash` of the release id and the resolved workload, so it changes with env, ports,
 * command or release, and not with replicas. Deterministic for equal inputs.
 */
export function desiredUnit(
  release: Release,
  environment: string,
  target: string,
  options: ResolveOptions & {
    /** The service resolved for the environment (layers applied); the release's own spec when absent. */
    readonly spec?: Service;
  },
): DesiredUnit {
  const spec = options.spec ?? Service.parse(release.spec);
  const { workload, replicas } = resolveWorkload(spec, environment, {
    ...options,
    artifactDigest: release.artifactDigest,
  });
  return {
    service: release.service,
    environment,
    target,
    release: { id: release.id, version: release.version, artifactDigest: release.artifactDigest },
    workload,
    replicas,
    configHash: stableHash({ release: release.id, workload }),
  };
}

/**
 * A desired state of `units` sorted by service, environment and target. Does not modify its
 * input. Throws a `ConflictError` when two units share a key.
 */
export function desiredState(units: Iterable<DesiredUnit>): DesiredState {
  const { sorted, duplicate } = sortUnits(units);
  if (duplicate) {
    throw new ConflictError(`${unitId(duplicate)} is desired twice; a service runs once per environment and target`);
  }
  return { units: sorted };
}
