import { describe, expect, it } from 'vitest';
import type { Inventory } from './remote.js';
import { RecentInventories } from './recent-inventories.js';

const inventory = (): Inventory => ({ releases: new Set(), instances: [], listening: new Set() });

describe('RecentInventories', () => {
  let clock = 0;
  const recent = () => new RecentInventories(5_000, () => clock);

  it('hands what a read kept to the next change, once', () => {
    const kept = recent();
    const a = inventory();
    kept.keep(0, a, kept.reading());
    expect(kept.changing()).toEqual(new Map([[0, a]]));
    kept.changed();
    expect(kept.changing().size).toBe(0);
  });

  it('keeps nothing read while a change was under way, or across a change that began or ended meanwhile', () => {
    const kept = recent();
    kept.changing();
    const during = kept.reading();
    kept.keep(0, inventory(), during);
    const straddling = kept.reading(); // undefined too: the change is still under way
    kept.changed();
    kept.keep(1, inventory(), straddling);
    const before = kept.reading();
    kept.changing();
    kept.changed();
    kept.keep(2, inventory(), before);
    expect(kept.changing().size).toBe(0);
  });

  it('hands over only what is at most maxAgeMs old', () => {
    const kept = recent();
    clock = 1_000;
    kept.keep(0, inventory(), kept.reading());
    clock = 6_000;
    kept.keep(1, inventory(), kept.reading());
    clock = 6_001;
    expect([...kept.changing().keys()]).toEqual([1]);
  });

  it('an earlier read that ends last does not replace a later one', () => {
    const kept = recent();
    clock = 0;
    const earlier = kept.reading();
    clock = 10;
    const later = kept.reading();
    const fresh = inventory();
    kept.keep(0, fresh, later);
    kept.keep(0, inventory(), earlier);
    expect(kept.changing().get(0)).toBe(fresh);
  });
});
