import { afterEach, describe, expect, it } from 'vitest';
import type { Reconciler } from './reconcile.js';
import { startReconcileLoop } from './reconcile-loop.js';
import type { Repeating } from './repeat.js';

/** A reconciler that counts its passes. */
function counting() {
  let passes = 0;
  return { reconciler: { reconcile: async () => (passes++, []) } as unknown as Reconciler, passes: () => passes };
}

async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let loop: Repeating | undefined;
afterEach(async () => {
  await loop?.stop();
  loop = undefined;
});

describe('startReconcileLoop', () => {
  it('passes again as soon as the change mark moves, long before the interval is up', async () => {
    const { reconciler, passes } = counting();
    let mark = 'a';
    let checks = 0;
    loop = startReconcileLoop(reconciler, { intervalMs: 60_000, wakeCheckMs: 5, changeMark: async () => (checks++, mark) });
    // Unmoved, the first pass would wait its interval of a minute; a moved mark starts one at once.
    await until('two checks', () => checks >= 2);
    expect(passes()).toBe(0);
    mark = 'b';
    await until('a pass for the moved mark', () => passes() === 1);
    mark = 'c';
    await until('a pass for the next mark', () => passes() === 2);
  });

  it('does not pass again while the mark stands still, until the interval is up', async () => {
    const { reconciler, passes } = counting();
    let checks = 0;
    loop = startReconcileLoop(reconciler, { intervalMs: 200, wakeCheckMs: 5, changeMark: async () => (checks++, 'same') });
    await until('the first pass', () => passes() === 1);
    const checksAfterFirst = checks;
    await until('ten more checks', () => checks >= checksAfterFirst + 10);
    expect(passes()).toBe(1);
    await until('the periodic pass', () => passes() === 2);
  });
});
