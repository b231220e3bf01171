/**
 * Observes every target on a fixed period: the workspace keeps each observation for displays
 * (status reads it rather than observing on every request), and the store records it. The
 * runtimes themselves restart crashed instances.
 * Only the units that differ from what the loop last wrote are written (`patchObserved`), so an
 * unchanged project costs the store nothing and one restarted instance costs one row. For
 * runtimes that do not report their instances' restarts and crashes themselves (ssh, container),
 * the loop records them as runtime events from what changed (`instance-events.ts`).
 */
import { unitId, type ObservedUnit, type UnitKey } from '../desired/types.js';
import type { Workspace } from '../engine/index.js';
import type { RuntimeAdapter } from '../runtimes/index.js';
import { instanceEvents } from './instance-events.js';
import { repeat, type Repeating } from './repeat.js';

export interface ObserveLoopOptions {
  readonly intervalMs?: number;
  readonly now?: () => Date;
  /** Told of a round that failed; the loop carries on. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Starts observing every target at once and then every `intervalMs` (default 1 s). Each target
 * is observed on its own: one that is slow to answer (an SSH host cut off waits out its connect
 * timeout) is not observed again until it has answered, and holds up no other. `stop()` waits for
 * the observations under way. A target whose observation fails is reported to `onError`.
 */
export function startObserveLoop(ws: Workspace, options: ObserveLoopOptions = {}): Repeating {
  const { intervalMs = 1000, now = () => new Date(), onError = () => {} } = options;
  /** What the loop last recorded of each target: each unit and its JSON text, by unit id. */
  const written = new Map<string, ReadonlyMap<string, { unit: ObservedUnit; text: string }>>();
  /** Observations under way, by target. */
  const underway = new Map<string, Promise<void>>();
  /** Observes one target and records what changed since the loop last wrote it. */
  async function record(target: string, runtime: RuntimeAdapter): Promise<void> {
    const { units, unitTexts } = await ws.observations.observe(target, runtime);
    const seen = new Map(units.map((unit, i) => [unitId(unit), { unit, text: unitTexts[i]! }]));
    const before = written.get(target);
    if (!before) {
      // The loop's first observation of a target replaces whatever an earlier process recorded.
      await ws.store.putObserved(target, units, now());
      written.set(target, seen);
    } else {
      const put = units.filter((unit, i) => before.get(unitId(unit))?.text !== unitTexts[i]);
      const drop = [...before].filter(([id]) => !seen.has(id)).map(([, { unit }]) => unitKey(unit));
      await ws.store.patchObserved(target, { put, drop }, now());
      if (!runtime.reportsInstanceEvents) {
        for (const unit of put) {
          const was = before.get(unitId(unit))?.unit;
          for (const event of was ? instanceEvents(was, unit) : []) await ws.recordRuntimeEvent(event);
        }
      }
      // Unchanged, the map written before stays: long-lived, it costs the garbage collector nothing.
      if (put.length > 0 || drop.length > 0) written.set(target, seen);
    }
  }
  const loop = repeat(
    async () => {
      for (const [target, runtime] of ws.runtimes) {
        if (underway.has(target)) continue;
        const observing = record(target, runtime)
          .catch(onError)
          .finally(() => underway.delete(target));
        underway.set(target, observing);
      }
    },
    { intervalMs },
  );
  return {
    async stop() {
      await loop.stop();
      await Promise.all(underway.values());
    },
    wake: () => loop.wake(),
  };
}

function unitKey({ service, environment, target }: UnitKey): UnitKey {
  return { service, environment, target };
}
