/** Runs the reconciler every `intervalMs` (default 2 s) until stopped; a failed pass is reported and the next one runs. */
import type { Reconciler } from './reconcile.js';

export function startReconcileLoop(reconciler: Reconciler, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): { stop(): Promise<void> } {
  const { intervalMs = 2000, onError = () => {} } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const tick = () => {
    pass = reconciler
      .reconcile()
      .then(() => undefined, onError)
      .then(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
