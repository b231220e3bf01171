/** Drives promotions in a long-running process: every active one is stepped, then the loop sleeps until the soonest timed wait (at most `idleMs`). */
import type { PromotionDriver } from '../engine/index.js';
import { repeat, type Repeating } from './repeat.js';

export function startPromotionLoop(driver: PromotionDriver, options: { idleMs?: number; onError?: (error: unknown) => void } = {}): Repeating {
  return repeat(() => driver.runActive(), { intervalMs: options.idleMs ?? 1000, onError: options.onError });
}
