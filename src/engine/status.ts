/** The services × environments matrix: which release runs where, and how healthy it is. */
import { instanceUrl, type ObservedInstance, type ObservedUnit, type UnitHealth } from '../desired/index.js';
import { newestDeployments } from './newest-deployments.js';
import { recentUnits } from './units.js';
import type { Workspace } from './workspace.js';

export interface StatusRow {
  readonly service: string;
  readonly environment: string;
  /** Version of the environment's current release; absent when never deployed there. */
  readonly release?: string;
  /** Versions running now (more than one while an update is under way). */
  readonly running: readonly string[];
  readonly health: UnitHealth | 'not-deployed';
  readonly ready: number;
  readonly replicas: number;
  readonly restarts: number;
  /** Where each instance answers, for people to try: the URL it serves, else `http://<host>:<port>` for each of its ports. */
  readonly endpoints: readonly string[];
  /** Every instance on every target, for scripts (`--json`). */
  readonly instances: readonly ObservedInstance[];
  /**
   * A release on its way into this environment, or the newest one that failed here: where it
   * stands and why ("waiting for 1 approval…", "verification failed: …; v1 runs again").
   */
  readonly incoming?: { readonly version: string; readonly phase: string; readonly message: string };
}

/** The rows status last answered, and what they were computed from. */
interface Answer {
  readonly project: Workspace['project'];
  readonly generation: number;
  readonly seq: number;
  readonly rows: readonly StatusRow[];
}

const answers = new WeakMap<Workspace, Answer>();

/**
 * One row per (service, environment) of the project, in the project file's order, with what runs
 * as seen at most two seconds ago (`recentUnits`). Reads only. While neither an observation, the
 * audit log nor the project changed, it answers the same frozen array again (every deployment
 * and promotion change is followed by an event), so callers may cache what they derive from it.
 */
export async function status(ws: Workspace): Promise<readonly StatusRow[]> {
  const generation = ws.observations.generation;
  const observed = await recentUnits(ws);
  const seq = (await ws.store.listEvents({ last: 1 }))[0]?.seq ?? 0;
  const answered = answers.get(ws);
  // A read that refreshed an observation changed the generation: it answers but is not kept.
  const settled = ws.observations.generation === generation;
  if (settled && answered?.project === ws.project && answered.generation === generation && answered.seq === seq) return answered.rows;
  const rows = Object.freeze(await compute(ws, observed));
  if (settled) answers.set(ws, { project: ws.project, generation, seq, rows });
  return rows;
}

async function compute(ws: Workspace, observed: readonly ObservedUnit[]): Promise<StatusRow[]> {
  const [current, recent] = await Promise.all([newestDeployments(ws.store, ['succeeded']), ws.store.listPromotions({ limit: 50 })]);
  const key = (service: string, environment: string) => `${service}\0${environment}`;
  const releases = new Map(current.map((d) => [key(d.service, d.environment), d.version]));
  const unitsByKey = new Map<string, ObservedUnit[]>();
  for (const unit of observed) {
    const k = key(unit.service, unit.environment);
    const units = unitsByKey.get(k);
    if (units) units.push(unit);
    else unitsByKey.set(k, [unit]);
  }
  // The newest promotion that reached each (service, environment), unless it succeeded there.
  const incoming = new Map<string, StatusRow['incoming']>();
  for (const promotion of recent) {
    for (const [environment, progress] of Object.entries(promotion.environments)) {
      const k = key(promotion.service, environment);
      if (incoming.has(k) || progress.phase === 'pending' || progress.phase === 'skipped') continue;
      incoming.set(k, progress.phase === 'succeeded' ? undefined : { version: promotion.version, phase: progress.phase, message: progress.message });
    }
  }
  const rows: StatusRow[] = [];
  for (const service of Object.keys(ws.project.spec.services)) {
    for (const environment of Object.keys(ws.project.spec.environments)) {
      const k = key(service, environment);
      const row = summarise(service, environment, releases.get(k), unitsByKey.get(k) ?? []);
      const progress = incoming.get(k);
      rows.push(progress ? { ...row, incoming: progress } : row);
    }
  }
  return rows;
}

function summarise(service: string, environment: string, release: string | undefined, units: ObservedUnit[]): StatusRow {
  const instances = units.flatMap((u) => u.instances);
  return {
    service,
    environment,
    ...(release !== undefined && { release }),
    running: [...new Set(units.map((u) => u.release.version))],
    health: units.length === 0 ? (release ? 'missing' : 'not-deployed') : worst(units.map((u) => u.health)),
    ready: instances.filter((i) => i.state === 'ready').length,
    replicas: units.reduce((sum, u) => sum + u.replicas, 0),
    restarts: instances.reduce((sum, i) => sum + i.restarts, 0),
    endpoints: instances.flatMap((i) => (i.url ? [i.url] : Object.values(i.ports).map((port) => instanceUrl(i, port)))),
    instances,
  };
}

const severity: readonly UnitHealth[] = ['healthy', 'progressing', 'degraded', 'missing'];

function worst(healths: UnitHealth[]): UnitHealth {
  return healths.reduce((a, b) => (severity.indexOf(b) > severity.indexOf(a) ? b : a), 'healthy');
}
