/** The services × environments matrix: which release runs where, and how healthy it is. */
import type { ObservedInstance, ObservedUnit, UnitHealth } from '../desired/types.js';
import { observeUnits } from './units.js';
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
  /** `http://127.0.0.1:<port>` for each instance port, for people to try. */
  readonly endpoints: readonly string[];
  /** Every instance on every target, for scripts (`--json`). */
  readonly instances: readonly ObservedInstance[];
  /**
   * A release on its way into this environment, or the newest one that failed here: where it
   * stands and why ("waiting for 1 approval…", "verification failed: …; v1 runs again").
   */
  readonly incoming?: { readonly version: string; readonly phase: string; readonly message: string };
}

/** One row per (service, environment) of the project, in the project file's order. Reads only. */
export async function status(ws: Workspace): Promise<StatusRow[]> {
  const observed = await observeUnits(ws);
  const recent = await ws.store.listPromotions({ limit: 50 });
  const rows: StatusRow[] = [];
  for (const service of Object.keys(ws.project.spec.services)) {
    for (const environment of Object.keys(ws.project.spec.environments)) {
      const current = await ws.store.currentRelease(service, environment);
      const units = observed.filter((u) => u.service === service && u.environment === environment);
      const row = summarise(service, environment, current?.version, units);
      const newest = recent.find((p) => p.service === service && p.environments[environment] && !['pending', 'skipped'].includes(p.environments[environment]!.phase));
      const promotion = newest && newest.environments[environment]!.phase !== 'succeeded' ? newest : undefined;
      const progress = promotion?.environments[environment];
      rows.push(progress ? { ...row, incoming: { version: promotion!.version, phase: progress.phase, message: progress.message } } : row);
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
    endpoints: instances.flatMap((i) => Object.values(i.ports).map((port) => `http://127.0.0.1:${port}`)),
    instances,
  };
}

const severity: readonly UnitHealth[] = ['healthy', 'progressing', 'degraded', 'missing'];

function worst(healths: UnitHealth[]): UnitHealth {
  return healths.reduce((a, b) => (severity.indexOf(b) > severity.indexOf(a) ? b : a), 'healthy');
}
