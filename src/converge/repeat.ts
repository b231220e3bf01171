/**
 * The shape every loop of a long-running process shares: run a pass, wait, run again, until
 * stopped. A pass may ask for a shorter wait; a failing pass is reported and the next one runs.
 * `stop()` waits for the pass in flight, so a clean stop never cuts one off.
 */
export interface Repeating {
  stop(): Promise<void>;
}

export function repeat(
  pass: () => Promise<number | void>,
  options: { intervalMs: number; startAfterMs?: number; onError?: (error: unknown) => void },
): Repeating {
  const { intervalMs, startAfterMs = 0, onError = () => {} } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = pass()
      .then((wait) => wait, (error: unknown) => void onError(error))
      .then((wait) => {
        if (!stopped) timer = setTimeout(tick, Math.min(wait ?? intervalMs, intervalMs));
      });
  };
  timer = setTimeout(tick, startAfterMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
