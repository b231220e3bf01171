/**
 * Observes every target and keeps what it runs: the workspace keeps each observation for displays
 * (status reads it rather than observing on every request), and the store records it. The
 * runtimes themselves restart crashed instances.
 *
 * A target whose runtime can tell of its changes (`watch()`: the `ssh` runtime's watcher on each
 * host, the `container` runtime's engine event stream) is observed when it tells of one, when a
 * link to it is made or lost (what happened while a link was down is unknown), and in full every
 * `fullCheckMs` in case a change went untold; nothing else, so an idle target costs no observation
 * per second. What a watched target tells while this process applies or removes something on it (a
 * rollout: every host tells of every instance it stops, starts and finds ready) is observed once,
 * when that change has ended: an observation begun during a change is forgotten at its end anyway,
 * and costs the hosts a channel each. Every other target is observed every `intervalMs`.
 *
 * Only the units that differ from what the loop last wrote are written (`patchObserved`), so an
 * unchanged project costs the store nothing and one restarted instance costs one row. For
 * runtimes that do not report their instances' restarts and crashes themselves (ssh, container),
 * the loop records them as runtime events from what changed (`instance-events.ts`).
 */
import { unitId, type ObservedUnit, type UnitKey } from '../desired/types.js';
import type { Workspace } from '../engine/index.js';
import { hasWatch, type RuntimeAdapter, type Watchable, type Watching } from '../runtimes/index.js';
import { instanceEvents } from './instance-events.js';
import { repeat, type Repeating } from './repeat.js';

/** How often a watched target told of a change during an apply is looked at again, to observe it once the apply has ended. */
const CHANGE_ENDED_CHECK_MS = 250;

export interface ObserveLoopOptions {
  /** How often a target that cannot tell of its changes is observed (default 1 s). */
  readonly intervalMs?: number;
  /** How often a watched target is observed in full though it told of no change (default 5 minutes). */
  readonly fullCheckMs?: number;
  readonly now?: () => Date;
  /** Told of a round that failed; the loop carries on. */
  readonly onError?: (error: unknown) => void;
  /** Told when what `target` runs was seen to change (after the loop's first observation of it), once recorded. */
  readonly onChange?: (target: string) => void;
}

/** The part of a workspace the loop uses. */
type Observed = Pick<Workspace, 'runtimes' | 'observations' | 'recordRuntimeEvent'> & { readonly store: Pick<Workspace['store'], 'putObserved' | 'patchObserved'> };

/**
 * Starts observing every target at once, then as described in the module comment; targets the
 * workspace opens later (a reloaded project) are taken up within `intervalMs`. Each target is
 * observed on its own: one that is slow to answer (an SSH host cut off waits out its connect
 * timeout) is not observed again until it has answered, and holds up no other. `stop()` stops the
 * watches and waits for the observations under way. A target whose observation fails is reported
 * to `onError`.
 */
export function startObserveLoop(ws: Observed, options: ObserveLoopOptions = {}): Repeating {
  const { intervalMs = 1000, fullCheckMs = 300_000, now = () => new Date(), onError = () => {}, onChange = () => {} } = options;
  /** What the loop last recorded of each target: each unit and its JSON text, by unit id. */
  const written = new Map<string, ReadonlyMap<string, { unit: ObservedUnit; text: string }>>();
  /** Observations under way of targets observed on the period, by target. */
  const underway = new Map<string, Promise<void>>();
  /** Watched targets: each with a loop of its own, woken by what it tells. */
  const watched = new Map<string, { readonly loop: Repeating; readonly watching: Watching }>();

  /** Observes one target and records what changed since the loop last wrote it; tells `onChange` of a change. */
  async function record(target: string, runtime: RuntimeAdapter): Promise<void> {
    const { units, unitTexts } = await ws.observations.observe(target, runtime);
    const seen = new Map(units.map((unit, i) => [unitId(unit), { unit, text: unitTexts[i]! }]));
    const before = written.get(target);
    if (!before) {
      // The loop's first observation of a target replaces whatever an earlier process recorded.
      await ws.store.putObserved(target, units, now());
      written.set(target, seen);
      return;
    }
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
    if (put.length > 0 || drop.length > 0) {
      written.set(target, seen);
      onChange(target);
    }
  }

  /** Watches `target`: observes it now, on every event it tells (once a change under way has ended), and every `fullCheckMs`. */
  function watch(target: string, runtime: RuntimeAdapter & Watchable): void {
    const pass = async () => (ws.observations.changing(target) ? CHANGE_ENDED_CHECK_MS : record(target, runtime));
    const loop = repeat(pass, { intervalMs: fullCheckMs, onError });
    const watching = runtime.watch(() => loop.wake());
    ws.observations.watched(target, true);
    watched.set(target, { loop, watching });
  }

  const loop = repeat(
    async () => {
      for (const [target, runtime] of ws.runtimes) {
        if (watched.has(target) || underway.has(target)) continue;
        if (hasWatch(runtime)) {
          watch(target, runtime);
          continue;
        }
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
      await Promise.all(
        [...watched].map(async ([target, { loop: targetLoop, watching }]) => {
          await watching.stop();
          await targetLoop.stop();
          ws.observations.watched(target, false);
        }),
      );
      watched.clear();
      await Promise.all(underway.values());
    },
    wake: () => loop.wake(),
  };
}

function unitKey({ service, environment, target }: UnitKey): UnitKey {
  return { service, environment, target };
}
