/** Several streams of log lines read as one. */

type Step<T> = { readonly from: 'sources'; readonly result: IteratorResult<AsyncIterable<T>> } | { readonly from: AsyncIterator<T>; readonly result: IteratorResult<T> };

/**
 * Interleaves the items of async iterables in the order they arrive. `sources` may be async and
 * give more iterables while earlier ones are read (a follower finding new instances); the whole
 * ends when `sources` and every iterable it gave have ended. Each iterable is read one item ahead
 * of the consumer at most. The first error of any of them is thrown; then, as when the consumer
 * stops early, the others are told to return (without waiting for them).
 */
export async function* interleave<T>(sources: Iterable<AsyncIterable<T>> | AsyncIterable<AsyncIterable<T>>): AsyncGenerator<T> {
  const outer = Symbol.asyncIterator in sources ? sources[Symbol.asyncIterator]() : sources[Symbol.iterator]();
  const pending = new Map<object, Promise<Step<T>>>();
  const pullSources = () => pending.set(outer, Promise.resolve(outer.next()).then((result) => ({ from: 'sources', result })));
  const pull = (it: AsyncIterator<T>) => pending.set(it, it.next().then((result) => ({ from: it, result })));
  pullSources();
  try {
    while (pending.size > 0) {
      const step = await Promise.race(pending.values());
      if (step.from === 'sources') {
        pending.delete(outer);
        if (step.result.done) continue;
        pull(step.result.value[Symbol.asyncIterator]());
        pullSources();
      } else {
        pending.delete(step.from);
        if (step.result.done) continue;
        yield step.result.value;
        pull(step.from);
      }
    }
  } finally {
    for (const it of pending.keys()) void Promise.resolve((it as AsyncIterator<unknown>).return?.()).catch(() => undefined);
  }
}
