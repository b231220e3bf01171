/** The project's services, environments and targets as the API lists them; targets with what was seen on them. */
import { errorMessage, SlipwayError } from '../errors.js';
import { parseEntityRef, type CatalogEntry } from '../inputs/index.js';
import { DISPLAY_MAX_AGE_MS } from './units.js';
import type { Workspace } from './workspace.js';

export interface ServiceSummary {
  readonly name: string;
  readonly owner?: string;
  readonly description?: string;
  /** The Backstage Component it was onboarded from: entity reference, system, owner, lifecycle, APIs. */
  readonly catalog?: CatalogEntry;
  /** Whether it has a `source` to build from (`POST /api/v1/services/{service}/builds`). */
  readonly buildable: boolean;
}

export interface EnvironmentSummary {
  readonly name: string;
  readonly description?: string;
  readonly targets: readonly string[];
  /** Environments whose releases it takes; none for an entry environment. */
  readonly promotesFrom: readonly string[];
  readonly strategy: string;
  readonly autoPromote: boolean;
  readonly soakSeconds: number;
}

export interface TargetSummary {
  readonly name: string;
  /** The runtime kind: process, container, static, ssh, null. */
  readonly runtime: string;
  /** Environments that deploy to it. */
  readonly environments: readonly string[];
  /** Whether it could be observed (as seen at most two seconds ago). */
  readonly reachable: boolean;
  /** Units seen on it; absent when it could not be observed. */
  readonly units?: number;
  /** When it was observed, as an ISO 8601 time. */
  readonly observedAt?: string;
  /** Why it could not be observed. */
  readonly error?: string;
}

/** The services, in the project file's order. */
export function services(ws: Workspace): ServiceSummary[] {
  return Object.entries(ws.project.spec.services).map(([name, s]) => ({
    name,
    ...(s.owner !== undefined && { owner: s.owner }),
    ...(s.description !== undefined && { description: s.description }),
    ...(s.catalog !== undefined && { catalog: s.catalog }),
    buildable: s.source !== undefined,
  }));
}

/**
 * The service onboarded from the Backstage entity `ref`: `component:<namespace>/<name>`, or
 * `component:<name>` (and `<name>`) in the default namespace; compared as Backstage does, ignoring
 * case. Pure. Throws a `not-found` error naming the references the project has.
 */
export function serviceOfEntity(summaries: readonly ServiceSummary[], ref: string): ServiceSummary {
  const wanted = parseEntityRef(ref, { kind: 'component', namespace: 'default' });
  const key = wanted && `${wanted.kind}:${wanted.namespace}/${wanted.name}`.toLowerCase();
  const found = summaries.find((s) => s.catalog?.entityRef.toLowerCase() === key);
  if (found) return found;
  const known = summaries.flatMap((s) => (s.catalog ? [s.catalog.entityRef] : []));
  const listed = known.length > 0 ? `the project has ${known.join(', ')}` : 'no service of the project was onboarded from the catalog (slipway onboard)';
  throw new SlipwayError('not-found', `no service was onboarded from the entity ${JSON.stringify(ref)}; ${listed}`);
}

/** The environments, in the project file's order. */
export function environments(ws: Workspace): EnvironmentSummary[] {
  return Object.entries(ws.project.spec.environments).map(([name, e]) => ({
    name,
    ...(e.description !== undefined && { description: e.description }),
    targets: e.targets,
    promotesFrom: e.promotesFrom,
    strategy: e.strategy,
    autoPromote: e.autoPromote,
    soakSeconds: e.soakSeconds,
  }));
}

/** The targets, in the project file's order, each with whether it can be observed and how many units run there. Reads only. */
export async function targets(ws: Workspace): Promise<TargetSummary[]> {
  const usedBy = (target: string) => Object.entries(ws.project.spec.environments).flatMap(([name, e]) => (e.targets.includes(target) ? [name] : []));
  return Promise.all(
    Object.entries(ws.project.spec.targets).map(async ([name, target]) => {
      const known = { name, runtime: target.runtime, environments: usedBy(name) };
      try {
        const seen = await ws.observations.recent(name, ws.runtime(name), DISPLAY_MAX_AGE_MS);
        return { ...known, reachable: true, units: seen.units.length, observedAt: new Date(seen.at).toISOString() };
      } catch (error) {
        return { ...known, reachable: false, error: errorMessage(error) };
      }
    }),
  );
}
