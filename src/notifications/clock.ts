/**
 * Time, injected: the notifier reads the time and waits only through a `Clock`.
 */

export interface Clock {
  now(): Date;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** The system clock and real timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
