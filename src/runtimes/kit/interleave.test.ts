import { describe, expect, it } from 'vitest';
import { interleave } from './interleave.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* timed(name: string, delays: number[]): AsyncGenerator<string> {
  for (const [i, ms] of delays.entries()) {
    await tick(ms);
    yield `${name}${i}`;
  }
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('interleave', () => {
  it('gives items in arrival order and ends when every iterable has ended', async () => {
    expect(await all(interleave([timed('a', [0, 40]), timed('b', [20, 40])]))).toEqual(['a0', 'b0', 'a1', 'b1']);
    expect(await all(interleave([]))).toEqual([]);
  });

  it('reads iterables that an async source gives while earlier ones run', async () => {
    async function* sources() {
      yield timed('a', [0, 60]);
      await tick(30);
      yield timed('b', [0]);
    }
    expect(await all(interleave(sources()))).toEqual(['a0', 'b0', 'a1']);
  });

  it('throws the first error and tells the others to return', async () => {
    let returned = false;
    async function* endless() {
      try {
        for (;;) yield await tick(5).then(() => 'x');
      } finally {
        returned = true;
      }
    }
    async function* failing(): AsyncGenerator<string> {
      yield 'y';
      await tick(20);
      throw new Error('cut off');
    }
    await expect(all(interleave([endless(), failing()]))).rejects.toThrow('cut off');
    await tick(20);
    expect(returned).toBe(true);
  });
});
