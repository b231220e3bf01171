/** Runs the reconciler every `intervalMs` (default 2 s), first after one interval, until stopped. */
import type { Reconciler } from './reconcile.js';
import { repeat, type Repeating } from './repeat.js';

export function startReconcileLoop(reconciler: Reconciler, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): Repeating {
  const intervalMs = options.intervalMs ?? 2000;
  return repeat(async () => void (await reconciler.reconcile()), { intervalMs, startAfterMs: intervalMs, onError: options.onError });
}
