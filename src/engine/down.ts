/** `slipway down`: stop every unit of an environment (or of all), keeping releases and history. */
import type { UnitKey } from '../desired/types.js';
import { unitLease } from './deploy.js';
import { observeUnits } from './units.js';
import type { Workspace } from './workspace.js';

/** The reason `down` gives the reconcile loop; the next deployment of the unit lifts it. */
export const STOPPED_BY_DOWN = 'stopped with slipway down';

/**
 * Stops what runs in `environment` (everywhere when absent) and records it. Convergence of each
 * stopped unit is paused first, under its (service, environment)'s lease, so the reconcile loop
 * does not start it again. Idempotent.
 */
export async function down(ws: Workspace, request: { environment?: string; actor: string }): Promise<UnitKey[]> {
  const units = await observeUnits(ws, { environment: request.environment });
  for (const unit of units) {
    const key: UnitKey = { service: unit.service, environment: unit.environment, target: unit.target };
    await ws.executor.run(unitLease(unit.service, unit.environment), async () => {
      await ws.store.pauseConvergence({ service: unit.service, environment: unit.environment, actor: request.actor, reason: STOPPED_BY_DOWN });
      await ws.runtime(unit.target).remove(key);
    });
    await ws.store.appendEvent({
      type: 'unit.stopped',
      actor: request.actor,
      service: unit.service,
      environment: unit.environment,
      message: `${request.actor} stopped ${unit.service} ${unit.release.version} in ${unit.environment} on ${unit.target}`,
      data: { target: unit.target },
    });
  }
  return units.map(({ service, environment, target }) => ({ service, environment, target }));
}
