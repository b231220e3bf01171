/** Desired and observed units of one service in one environment, across the environment's targets. */
import type { DesiredUnit, ObservedUnit, Release } from '../desired/types.js';
import { compliantService, desiredUnit } from '../desired/index.js';
import { artifactPath } from '../build/index.js';
import { NotFoundError } from '../errors.js';
import type { Workspace } from './workspace.js';

/** The environment's targets; throws `NotFoundError` for an unknown environment. */
export function environmentTargets(ws: Workspace, environment: string): readonly string[] {
  const spec = ws.project.spec.environments[environment];
  if (!spec) throw new NotFoundError('environment', environment);
  return spec.targets;
}

/**
 * The units `release` becomes in `environment`, one per target, with every layer applied.
 * Throws `PolicyViolationError` when the release breaks a constraint there, before anything runs.
 */
export function unitsOf(ws: Workspace, release: Release, environment: string): DesiredUnit[] {
  const { spec } = compliantService(ws.project, release.service, environment, { written: release.spec, release: release.version });
  return environmentTargets(ws, environment).map((target) =>
    desiredUnit(release, environment, target, {
      projectDir: ws.project.dir,
      artifactPath: (digest) => artifactPath(ws.artifactsDir, digest),
      spec,
    }),
  );
}

/** What runs now on every target of the workspace, optionally narrowed to a service and environment. */
export async function observeUnits(ws: Workspace, filter: { service?: string; environment?: string } = {}): Promise<ObservedUnit[]> {
  const all = await Promise.all([...ws.runtimes.values()].map((runtime) => runtime.observe()));
  return all
    .flat()
    .filter((u) => (!filter.service || u.service === filter.service) && (!filter.environment || u.environment === filter.environment));
}
