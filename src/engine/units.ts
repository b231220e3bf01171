/** Desired and observed units of one service in one environment, across the environment's targets. */
import type { DesiredUnit, ObservedUnit, Release } from '../desired/types.js';
import { compliantService, desiredUnit } from '../desired/index.js';
import { artifactPath } from '../build/index.js';
import { NotFoundError, PolicyViolationError } from '../errors.js';
import { refusalsOn } from '../inputs/cross-references.js';
import type { Observation } from './observations.js';
import type { Workspace } from './workspace.js';

/** The environment's targets; throws `NotFoundError` for an unknown environment. */
export function environmentTargets(ws: Workspace, environment: string): readonly string[] {
  const spec = ws.project.spec.environments[environment];
  if (!spec) throw new NotFoundError('environment', environment);
  return spec.targets;
}

/**
 * The units `release` becomes in `environment`, one per target, with every layer applied.
 * Throws `PolicyViolationError` when the release breaks a constraint there, or a target's runtime
 * cannot honour its workload, before anything runs.
 */
export function unitsOf(ws: Workspace, release: Release, environment: string): DesiredUnit[] {
  const { spec } = compliantService(ws.project, release.service, environment, { written: release.spec, release: release.version });
  const targets = environmentTargets(ws, environment);
  const refused = targets.flatMap((target) =>
    refusalsOn(spec.workload, ws.project.spec.targets[target]?.runtime ?? '', [target]).map((refusal) => ({
      service: release.service,
      environment,
      constraint: `runtime of target ${target}`,
      message: `${release.service} cannot run in ${environment}: ${['services', release.service, 'workload', ...refusal.path.map(String)].join('.')}: ${refusal.message}`,
    })),
  );
  if (refused.length) throw new PolicyViolationError(refused);
  return targets.map((target) =>
    desiredUnit(release, environment, target, {
      projectDir: ws.project.dir,
      artifactPath: (digest) => artifactPath(ws.artifactsDir, digest),
      spec,
    }),
  );
}

/** Which units to read: all, or one service's, or one environment's, or both. */
export interface UnitFilter {
  readonly service?: string;
  readonly environment?: string;
}

/**
 * What runs now on every target of the workspace, observed live, optionally narrowed. For
 * decisions. A watched target with nothing changing on it is not observed again: its kept
 * observation is current, since the target tells of every change (`Observations.current`); a
 * runtime that applies from it reads each host afresh on the channel it applies through. With an environment, a target of that environment that cannot be observed fails the
 * read. Any other target (one the environment left, whose units a deployment would remove) is read
 * from what was last seen there, kept by the observe loop and forgotten by every apply and remove,
 * and observed live only when nothing is kept, counting only when it can be: so a target elsewhere
 * that is broken or slow to answer stops and holds up no one here.
 */
export async function observeUnits(ws: Workspace, filter: UnitFilter = {}): Promise<ObservedUnit[]> {
  const needed = filter.environment === undefined ? undefined : new Set(environmentTargets(ws, filter.environment));
  const all = await Promise.all(
    [...ws.runtimes].map(([target, runtime]) => {
      if (!needed || needed.has(target)) return ws.observations.current(target) ?? ws.observations.observe(target, runtime);
      return ws.observations.last(target) ?? ws.observations.observe(target, runtime).catch(() => UNOBSERVED);
    }),
  );
  return narrow(all, filter);
}

/** How old an observation a display may show: twice the observe loop's period, so that while it runs displays never observe. */
export const DISPLAY_MAX_AGE_MS = 2000;

/**
 * What runs on every target as seen at most `maxAgeMs` ago (observed now where nothing that recent
 * is kept), optionally narrowed. For displays: status, a cell's actions, metrics. A target that
 * cannot be observed (its container engine down, its host out of reach) shows what it was last
 * seen running, or nothing, rather than failing the whole display.
 */
export async function recentUnits(ws: Workspace, filter: UnitFilter = {}, maxAgeMs = DISPLAY_MAX_AGE_MS): Promise<ObservedUnit[]> {
  const all = await Promise.all(
    [...ws.runtimes].map(([target, runtime]) => ws.observations.recent(target, runtime, maxAgeMs).catch(() => ws.observations.last(target) ?? UNOBSERVED)),
  );
  return narrow(all, filter);
}

const UNOBSERVED: Observation = { units: [], unitTexts: [], text: '[]', at: 0 };

function narrow(observations: readonly Observation[], { service, environment }: UnitFilter): ObservedUnit[] {
  return observations.flatMap((o) => o.units).filter((u) => (!service || u.service === service) && (!environment || u.environment === environment));
}
