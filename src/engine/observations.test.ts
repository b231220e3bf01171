import { describe, expect, it } from 'vitest';
import type { ObservedUnit } from '../desired/types.js';
import type { RuntimeAdapter } from '../runtimes/index.js';
import { Observations } from './observations.js';

/** An adapter whose observe answers `units()` as it is at that moment, counting reads; a gate holds reads open. */
function adapter(units: () => unknown[]) {
  let reads = 0;
  let gate: Promise<void> = Promise.resolve();
  const fake = {
    kind: 'fake',
    apply: async () => {},
    remove: async () => {},
    close: async () => {},
    observe: async () => {
      reads++;
      const answer = units();
      await gate;
      return answer as ObservedUnit[];
    },
  } satisfies RuntimeAdapter;
  return { fake, reads: () => reads, hold: (until: Promise<void>) => (gate = until) };
}

describe('Observations', () => {
  it('gives displays the kept observation while it is young enough, and observes again once it is not', async () => {
    let clock = 0;
    const observations = new Observations(() => clock);
    const { fake, reads } = adapter(() => [{ n: clock }]);
    await observations.observe('a', fake);
    clock = 900;
    expect((await observations.recent('a', fake, 1000)).units).toEqual([{ n: 0 }]);
    clock = 1100;
    expect((await observations.recent('a', fake, 1000)).units).toEqual([{ n: 1100 }]);
    expect(reads()).toBe(2);
  });

  it('lets the event loop turn while it serializes thousands of units, and keeps them in order', async () => {
    const observations = new Observations();
    const many = Array.from({ length: 2_000 }, (_, n) => ({ n }));
    const { fake } = adapter(() => many);
    let turns = 0;
    const count = () => {
      turns++;
      if (turns < 100) setImmediate(count);
    };
    // Scheduled once the adapter has answered, so only turns taken during serialization count.
    const seen = await observations.observe('a', { ...fake, observe: async () => (setImmediate(count), fake.observe()) });
    expect(turns).toBeGreaterThan(1);
    expect(seen.unitTexts).toEqual(many.map((unit) => JSON.stringify(unit)));
    expect(seen.text).toBe(JSON.stringify(many));
  });

  it('answers the kept units again while a target runs what it ran, and only changed units anew', async () => {
    let clock = 0;
    const observations = new Observations(() => clock);
    let answer = () => [{ id: 'a', v: 1 }, { id: 'b', v: 1 }];
    const { fake } = adapter(() => answer());
    const first = await observations.observe('t', fake);
    clock = 1000;
    const same = await observations.observe('t', fake);
    expect(same.units).toBe(first.units);
    expect(same.text).toBe(first.text);
    expect(same.at).toBe(1000);
    const generation = observations.generation;
    answer = () => [{ id: 'a', v: 1 }, { id: 'b', v: 2 }];
    const changed = await observations.observe('t', fake);
    expect(changed.units[0]).toBe(first.units[0]);
    expect(changed.units[1]).toEqual({ id: 'b', v: 2 });
    expect(changed.text).toBe(JSON.stringify(answer()));
    expect(observations.generation).toBe(generation + 1);
    answer = () => [{ id: 'a', v: 1 }];
    expect((await observations.observe('t', fake)).units).toEqual([{ id: 'a', v: 1 }]);
  });

  it('shares one read among displays asking at the same moment', async () => {
    const observations = new Observations();
    const { fake, reads } = adapter(() => ['x']);
    const answers = await Promise.all([observations.recent('a', fake, 1000), observations.recent('a', fake, 1000), observations.recent('a', fake, 1000)]);
    expect(reads()).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('changes its generation only when what a target runs differs, or is forgotten', async () => {
    let running = ['v1'];
    const observations = new Observations();
    const { fake } = adapter(() => running);
    await observations.observe('a', fake);
    const first = observations.generation;
    await observations.observe('a', fake);
    expect(observations.generation).toBe(first);
    running = ['v2'];
    await observations.observe('a', fake);
    expect(observations.generation).toBe(first + 1);
    observations.forget('a');
    expect(observations.generation).toBe(first + 2);
  });

  it('keeps the read that began last, whichever ends last', async () => {
    let clock = 0;
    let running = ['v1'];
    const observations = new Observations(() => clock);
    const { fake, hold } = adapter(() => running);
    let release = () => {};
    hold(new Promise<void>((resolve) => (release = resolve)));
    const slow = observations.observe('a', fake);
    clock = 10;
    running = ['v2'];
    hold(Promise.resolve());
    await observations.observe('a', fake);
    release();
    expect((await slow).units).toEqual(['v1']);
    expect(observations.last('a')?.units).toEqual(['v2']);
  });

  it('does not keep a read that began before the target was changed', async () => {
    let running = ['v1'];
    const observations = new Observations();
    const { fake, hold, reads } = adapter(() => running);
    let release = () => {};
    hold(new Promise<void>((resolve) => (release = resolve)));
    const early = observations.recent('a', fake, 1000);
    observations.forget('a');
    running = ['v2'];
    hold(Promise.resolve());
    const late = observations.recent('a', fake, 1000);
    release();
    expect((await early).units).toEqual(['v1']);
    expect((await late).units).toEqual(['v2']);
    expect((await observations.recent('a', fake, 1000)).units).toEqual(['v2']);
    expect(reads()).toBe(2);
  });
});

describe('changingOn', () => {
  class Counter implements RuntimeAdapter {
    readonly kind = 'counter';
    #applied = 0;
    /** Resolves the apply under way. */
    finish: () => void = () => {};
    async apply(_unit: unknown): Promise<void> {
      this.#applied++;
      if (this.#applied === 2) await new Promise<void>((resolve) => (this.finish = resolve));
      if (this.#applied > 2) throw new Error('third apply fails');
    }
    async remove(_key: unknown): Promise<void> {}
    async observe(): Promise<ObservedUnit[]> {
      return [{ applied: this.#applied } as unknown as ObservedUnit];
    }
    async close(): Promise<void> {}
  }

  it('forgets before and after every apply and remove, even a failed one, and leaves the rest to the adapter', async () => {
    const observations = new Observations();
    const counter = new Counter();
    const wrapped = observations.changingOn('a', counter);
    const kept = () => observations.last('a')?.units;
    await observations.observe('a', wrapped);
    await wrapped.apply({} as never);
    expect(kept()).toBeUndefined();
    await observations.observe('a', wrapped);
    const second = wrapped.apply({} as never);
    expect(kept()).toBeUndefined();
    await observations.observe('a', wrapped);
    counter.finish();
    await second;
    expect(kept()).toBeUndefined();
    await observations.observe('a', wrapped);
    await expect(wrapped.apply({} as never)).rejects.toThrow('third apply fails');
    expect(kept()).toBeUndefined();
    await observations.observe('a', wrapped);
    await wrapped.remove({} as never);
    expect(kept()).toBeUndefined();
    // Private state is reached through the adapter itself, not the wrapper.
    expect(await wrapped.observe()).toEqual([{ applied: 3 }]);
    expect(wrapped.kind).toBe('counter');
  });

  it('counts a change while it runs, and a watched target is current only for maxAgeMs meanwhile', async () => {
    let now = 0;
    const observations = new Observations(() => now);
    const counter = new Counter();
    const wrapped = observations.changingOn('a', counter);
    observations.watched('a', true);
    await wrapped.apply({} as never);
    expect(observations.changing('a')).toBe(false);
    const second = wrapped.apply({} as never);
    expect(observations.changing('a')).toBe(true);
    const during = await observations.recent('a', wrapped, 1000);
    now += 5000;
    // Watched but changing: five seconds old is too old, so it is read again.
    expect(await observations.recent('a', wrapped, 1000)).not.toBe(during);
    counter.finish();
    await second;
    expect(observations.changing('a')).toBe(false);
    const after = await observations.recent('a', wrapped, 1000);
    now += 5000;
    // Watched and not changing: kept whatever its age.
    expect(await observations.recent('a', wrapped, 1000)).toBe(after);
  });
});
