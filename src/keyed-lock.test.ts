import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.js';

describe('KeyedLock', () => {
  it('runs calls of one key one after the other, even after a failure, and other keys alongside', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
    };
    const a1 = lock.run('a', step('a1', 20, true));
    const a2 = lock.run('a', step('a2', 1));
    const b1 = lock.run('b', step('b1', 1));
    await expect(a1).rejects.toThrow('a1');
    await Promise.all([a2, b1]);
    expect(log).toEqual(['a1+', 'b1+', 'b1-', 'a1-', 'a2+', 'a2-']);
  });

  it('counts the calls of each key that wait for their turn', async () => {
    const lock = new KeyedLock();
    let endFirst = () => {};
    const first = lock.run('a', () => new Promise<void>((resolve) => (endFirst = resolve)));
    const rest = [lock.run('a', async () => {}), lock.run('a', async () => {})];
    await lock.run('b', async () => {});
    expect(lock.waiting()).toEqual([['a', 2]]);
    endFirst();
    await Promise.all([first, ...rest]);
    expect(lock.waiting()).toEqual([]);
  });
});
