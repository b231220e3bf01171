/**
 * Drives promotions in a long-running process: steps every active promotion, then sleeps until the
 * soonest timed wait (or a second), and again. Stopping waits for the round in flight, so a
 * step is never cut off by a clean stop (a kill is what the engine's journal is for).
 */
import type { PromotionEngine } from '../engine/index.js';

export function startPromotionLoop(engine: PromotionEngine, options: { idleMs?: number; onError?: (error: unknown) => void } = {}): { stop(): Promise<void> } {
  const { idleMs = 1000, onError = () => {} } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const tick = () => {
    round = engine
      .runActive()
      .then((wait) => wait, (error: unknown) => (onError(error), undefined))
      .then((wait) => {
        if (!stopped) timer = setTimeout(tick, Math.min(wait ?? idleMs, idleMs));
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
