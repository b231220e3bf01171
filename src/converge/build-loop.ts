/** Runs builds in a long-running process: queued ones as room frees up, woken when one is queued or ends; sources are polled as they fall due. */
import type { BuildDriver } from '../engine/index.js';
import { repeat, type Repeating } from './repeat.js';

export function startBuildLoop(driver: BuildDriver, options: { idleMs?: number; onError?: (error: unknown) => void } = {}): Repeating {
  const loop = repeat(
    async () => {
      await driver.runQueued();
      return driver.poll();
    },
    { intervalMs: options.idleMs ?? 5_000, onError: options.onError },
  );
  const stopListening = driver.onChange(() => loop.wake());
  return {
    wake: () => loop.wake(),
    async stop() {
      stopListening();
      await loop.stop();
      await driver.stop();
    },
  };
}
