/**
 * Runs the reconciler every `intervalMs` (default 2 s), first after one interval, until stopped;
 * and sooner when something it compares may have changed. Every `wakeCheckMs` (default 250 ms) it
 * reads `changeMark` (the control plane's: the newest audit event and the observations'
 * generation, so a deployment, a runtime's report of an exit or restart, or a target seen running
 * something else); a mark other than the one read before the last pass starts a pass at once.
 * Level-based either way: a pass compares everything, so a missed wake costs only time.
 */
import type { Reconciler } from './reconcile.js';
import { repeat, type Repeating } from './repeat.js';

export interface ReconcileLoopOptions {
  readonly intervalMs?: number;
  readonly wakeCheckMs?: number;
  /** Changes whenever what the reconciler compares may have; absent: periodic passes only. */
  readonly changeMark?: () => Promise<string>;
  readonly onError?: (error: unknown) => void;
}

export function startReconcileLoop(reconciler: Reconciler, options: ReconcileLoopOptions = {}): Repeating {
  const { intervalMs = 2000, wakeCheckMs = 250, changeMark, onError } = options;
  if (!changeMark) return repeat(async () => void (await reconciler.reconcile()), { intervalMs, startAfterMs: intervalMs, onError });
  let lastPass = performance.now();
  let passedAt: string | undefined;
  return repeat(
    async () => {
      const mark = await changeMark();
      // The first check only notes where things stand: the first pass still waits one interval.
      passedAt ??= mark;
      if (mark === passedAt && performance.now() - lastPass < intervalMs) return;
      // Read before the pass: a change during it starts the next one.
      passedAt = mark;
      lastPass = performance.now();
      await reconciler.reconcile();
    },
    { intervalMs: wakeCheckMs, startAfterMs: wakeCheckMs, onError },
  );
}
