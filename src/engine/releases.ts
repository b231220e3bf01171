/**
 * Cutting releases from the project file: the artifact is snapshotted into the content-addressed
 * store, the service definition is hashed, and identical content is recognised.
 */
import { resolve } from 'node:path';
import type { Release, ServiceInput } from '../desired/types.js';
import { stableHash } from '../desired/index.js';
import { snapshotDirectory } from '../build/index.js';
import { NotFoundError } from '../errors.js';
import { Version, checkName } from '../inputs/name.js';
import type { Workspace } from './workspace.js';

/** A release as it would be cut now; `existing` is the recorded release with the same content. */
export interface CandidateRelease {
  readonly service: string;
  readonly artifactDigest: string | null;
  readonly specHash: string;
  readonly existing?: Release;
}

/**
 * What a release of `service` cut from the project file now would contain. Writes nothing to the
 * store; the artifact snapshot it takes is a cache that later releases reuse.
 */
export async function candidateRelease(ws: Workspace, service: string): Promise<CandidateRelease> {
  const spec = ws.project.spec.services[service];
  if (!spec) throw new NotFoundError('service', service);
  const artifactDigest = spec.workload.artifact
    ? (await snapshotDirectory(resolve(ws.project.dir, spec.workload.artifact), ws.artifactsDir)).digest
    : null;
  const specHash = stableHash(writtenService(ws, service));
  const releases = await ws.store.listReleases(service);
  const existing = releases.find((r) => r.specHash === specHash && r.artifactDigest === artifactDigest);
  return { service, artifactDigest, specHash, ...(existing && { existing }) };
}

/**
 * Records a release of `service` from the project file as it is now. With no `version`, a release
 * of identical content is reused, or the next `v<N>` is cut. A `version` must follow `Version`
 * (`InvalidNameError` otherwise, before anything is read or written); one that exists already
 * must have the same content (`ConflictError` otherwise). Idempotent.
 */
export async function cutRelease(ws: Workspace, service: string, options: { version?: string; actor: string }): Promise<Release> {
  const asked = options.version === undefined ? undefined : checkName(Version, 'release version', options.version);
  const candidate = await candidateRelease(ws, service);
  if (asked === undefined && candidate.existing) return candidate.existing;
  const version = asked ?? `v${(await ws.store.listReleases(service)).length + 1}`;
  return ws.store.putRelease({
    service,
    version,
    artifactDigest: candidate.artifactDigest,
    specHash: candidate.specHash,
    spec: writtenService(ws, service),
    createdBy: options.actor,
  });
}

/** The service as its owner wrote it in the project file: what a release keeps. */
export function writtenService(ws: Workspace, service: string): ServiceInput {
  return (ws.project.source.written as { services: Record<string, ServiceInput> }).services[service]!;
}
