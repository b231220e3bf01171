/**
 * Records what every target runs, on a fixed period, so that status, history and (later) the
 * reconcile loop read it from the store. The runtimes themselves restart crashed instances.
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
  return repeat(
    async () => {
      for (const [target, runtime] of ws.runtimes) await ws.store.putObserved(target, await runtime.observe(), now());
    },
    { intervalMs, onError },
  );
}
