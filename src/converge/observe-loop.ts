/**
 * Observes every target on a fixed period: the workspace keeps each observation for displays
 * (status reads it rather than observing on every request), and the store records it. The
 * runtimes themselves restart crashed instances.
 * A target is written when what it runs differs from what the loop last wrote for it, so an
 * unchanged project costs the store nothing.
 */
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
  const written = new Map<string, string>();
  return repeat(
    async () => {
      for (const [target, runtime] of ws.runtimes) {
        const { units, text } = await ws.observations.observe(target, runtime);
        if (written.get(target) === text) continue;
        await ws.store.putObserved(target, units, now());
        written.set(target, text);
      }
    },
    { intervalMs, onError },
  );
}
