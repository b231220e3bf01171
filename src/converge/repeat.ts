/**
 * The shape every loop of a long-running process shares: run a pass, wait, run again, until
 * stopped. A pass may ask for a shorter wait; `wake()` cuts the wait short (or, during a pass,
 * asks for another right after it); a failing pass is reported and the next one runs. `stop()`
 * waits for the pass in flight, so a clean stop never cuts one off.
 */
export interface Repeating {
  stop(): Promise<void>;
  /** Runs the next pass now, or right after the one under way. */
  wake(): void;
}

export function repeat(
  pass: () => Promise<number | void | undefined>,
  options: { intervalMs: number; startAfterMs?: number; onError?: (error: unknown) => void },
): Repeating {
  const { intervalMs, startAfterMs = 0, onError = () => {} } = options;
  let stopped = false;
  let passing = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    timer = undefined;
    passing = true;
    again = false;
    running = pass()
      .then((wait) => wait, (error: unknown) => void onError(error))
      .then((wait) => {
        passing = false;
        if (!stopped) timer = setTimeout(tick, again ? 0 : Math.min(wait ?? intervalMs, intervalMs));
      });
  };
  timer = setTimeout(tick, startAfterMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    wake() {
      if (stopped) return;
      if (passing) {
        again = true;
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(tick, 0);
    },
  };
}
