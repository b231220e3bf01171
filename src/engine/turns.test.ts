import { describe, expect, it } from 'vitest';
import { Turns } from './turns.js';

describe('Turns', () => {
  it('runs calls with one key one after another, in order, counting those that wait; other keys run alongside', async () => {
    const turns = new Turns();
    const log: string[] = [];
    let endFirst = () => {};
    const first = turns.take('a', () => new Promise<void>((resolve) => (endFirst = () => (log.push('a1'), resolve()))));
    const second = turns.take('a', async () => void log.push('a2'));
    const third = turns.take('a', async () => void log.push('a3'));
    await turns.take('b', async () => void log.push('b1'));
    expect(turns.waiting()).toEqual([['a', 2]]);
    endFirst();
    await Promise.all([first, second, third]);
    expect(log).toEqual(['b1', 'a1', 'a2', 'a3']);
    expect(turns.waiting()).toEqual([]);
  });

  it('gives a failure to its caller alone: the next call still runs', async () => {
    const turns = new Turns();
    const failed = turns.take('a', async () => {
      throw new Error('first fails');
    });
    const next = turns.take('a', async () => 'second ran');
    await expect(failed).rejects.toThrow('first fails');
    await expect(next).resolves.toBe('second ran');
  });
});
