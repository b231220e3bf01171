/**
 * Runs the reconciler every `intervalMs` (default 2 s), first after one interval, sooner when a key
 * asked to be looked at again sooner (a backoff ending, a runtime given time to restart its own),
 * and at once when `wake()` is called (a runtime told of a change), until stopped.
 */
import type { Reconciler } from './reconcile.js';
import { repeat, type Repeating } from './repeat.js';

export function startReconcileLoop(reconciler: Reconciler, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): Repeating {
  const intervalMs = options.intervalMs ?? 2000;
  return repeat(
    async () => {
      await reconciler.reconcile();
      return reconciler.requeueAfterMs;
    },
    { intervalMs, startAfterMs: intervalMs, onError: options.onError },
  );
}
