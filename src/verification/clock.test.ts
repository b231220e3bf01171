import { describe, expect, it } from 'vitest';
import { manualClock, systemClock } from './clock.js';

describe('manualClock', () => {
  it('jumps to each sleep at once, and sleeps taken side by side overlap as in real time', async () => {
    const clock = manualClock(0);
    const woke: string[] = [];
    let done = false;
    const sleeping = Promise.all([
      clock.sleep(60_000).then(() => woke.push(`a@${clock.now()}`)),
      clock.sleep(30_000).then(() => woke.push(`b@${clock.now()}`)),
      (async () => {
        await clock.sleep(20_000);
        await clock.sleep(20_000);
        woke.push(`c@${clock.now()}`);
      })(),
    ]).then(() => (done = true));
    // A minute of sleeps passes in a few turns of the event loop, whatever real time they take.
    let turns = 0;
    while (!done && turns < 20) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(done).toBe(true);
    await sleeping;
    expect(woke).toEqual(['b@30000', 'c@40000', 'a@60000']);
    expect(clock.now()).toBe(60_000);
    expect(clock.sleeps).toEqual([60_000, 30_000, 20_000, 20_000]);
  });

  it('rejects a sleep with the abort reason, and time does not jump for it', async () => {
    const clock = manualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    await clock.sleep(1_000);
    expect(clock.now()).toBe(1_000);
    await expect(clock.sleep(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});

describe('systemClock', () => {
  it('sleeps in real time and stops at an abort', async () => {
    const started = systemClock.now();
    await systemClock.sleep(30);
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(25);
    await expect(systemClock.sleep(60_000, AbortSignal.timeout(20))).rejects.toThrow(/timeout|aborted/i);
  });
});
