/**
 * Observes every target on a fixed period: the workspace keeps each observation for displays
 * (status reads it rather than observing on every request), and the store records it. The
 * runtimes themselves restart crashed instances.
 * Only the units that differ from what the loop last wrote are written (`patchObserved`), so an
 * unchanged project costs the store nothing and one restarted instance costs one row.
 */
import { unitId, type UnitKey } from '../desired/types.js';
import type { Workspace } from '../engine/index.js';
import { repeat, type Repeating } from './repeat.js';

export interface ObserveLoopOptions {
  readonly intervalMs?: number;
  readonly now?: () => Date;
  /** Told of a round that failed; the loop carries on. */
  readonly onError?: (error: unknown) => void;
}

/** Starts observing at once and then every `intervalMs` (default 1 s). `stop()` waits for a round in flight. */
export function startObserveLoop(ws: Workspace, options: ObserveLoopOptions = {}): Repeating {
  const { intervalMs = 1000, now = () => new Date(), onError } = options;
  /** What the loop last recorded of each target: each unit's key and JSON text, by unit id. */
  const written = new Map<string, ReadonlyMap<string, { key: UnitKey; text: string }>>();
  return repeat(
    async () => {
      for (const [target, runtime] of ws.runtimes) {
        const { units, unitTexts } = await ws.observations.observe(target, runtime);
        const seen = new Map(units.map((unit, i) => [unitId(unit), { key: unitKey(unit), text: unitTexts[i]! }]));
        const before = written.get(target);
        if (!before) {
          // The first round replaces whatever an earlier process recorded.
          await ws.store.putObserved(target, units, now());
        } else {
          const put = units.filter((unit, i) => before.get(unitId(unit))?.text !== unitTexts[i]);
          const drop = [...before].filter(([id]) => !seen.has(id)).map(([, { key }]) => key);
          await ws.store.patchObserved(target, { put, drop }, now());
        }
        written.set(target, seen);
      }
    },
    { intervalMs, onError },
  );
}

function unitKey({ service, environment, target }: UnitKey): UnitKey {
  return { service, environment, target };
}
