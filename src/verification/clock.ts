/**
 * Time for verification: every deliberate wait (between HTTP attempts, between metric
 * measurements, across an analysis window) goes through a `Clock`, so tests can run a
 * ten-minute window in milliseconds. Timeouts that bound real I/O (a request, a command) stay
 * on real timers: they measure work that happens in real time.
 */

/** A source of the current time and of waits. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts (at once if it already has). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => wait((resolve) => setTimeout(resolve, ms), (timer) => clearTimeout(timer), signal),
};

/** A clock whose time moves only by sleeping. */
export interface ManualClock extends Clock {
  /** How long each `sleep` asked to wait, in call order. */
  readonly sleeps: readonly number[];
}

/**
 * A virtual clock for tests. Time starts at `start` and never runs on its own: whenever the event
 * loop has nothing else to do, it jumps to the earliest pending `sleep` and resolves it. Sleeps
 * taken side by side therefore overlap as they would in real time, and a one-hour window passes
 * in a few event-loop turns.
 */
export function manualClock(start: number = Date.parse('2025-01-01T12:00:00Z')): ManualClock {
  let now = start;
  const sleeps: number[] = [];
  const pending: { at: number; resolve: () => void }[] = [];
  let ticking = false;
  const tick = () => {
    ticking = false;
    const next = pending.reduce<number | undefined>((min, timer) => (min === undefined || timer.at < min ? timer.at : min), undefined);
    if (next === undefined) return;
    now = Math.max(now, next);
    for (const timer of pending.filter((t) => t.at <= now)) {
      pending.splice(pending.indexOf(timer), 1);
      timer.resolve();
    }
    schedule();
  };
  const schedule = () => {
    if (ticking || pending.length === 0) return;
    ticking = true;
    setImmediate(tick);
  };
  return {
    now: () => now,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      return wait(
        (resolve) => {
          const timer = { at: now + Math.max(0, ms), resolve };
          pending.push(timer);
          schedule();
          return timer;
        },
        (timer) => pending.includes(timer) && pending.splice(pending.indexOf(timer), 1),
        signal,
      );
    },
  };
}

/** A promise around a cancellable timer: `start` arms it, `cancel` disarms it when `signal` aborts first. */
function wait<T>(start: (resolve: () => void) => T, cancel: (timer: T) => void, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel(timer);
      reject(signal!.reason);
    };
    const timer = start(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
