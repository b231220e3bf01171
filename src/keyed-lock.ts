/**
 * Turns within one process, by key: calls with one key run one after another, in the order made.
 * The executor (`lease/executor.ts`) queues its own work on a key with it before it takes the key's
 * lease, which orders it against other processes; an adapter uses it to keep its in-memory state of
 * a unit consistent whoever calls it. It is no lock across processes: that is the lease.
 */

/** Runs each call after every earlier call with the same key has settled (fulfilled or not), in the order they were made. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #waiting = new Map<string, number>();

  /** Runs `fn` in its turn; its result or error is the caller's alone. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.count(key, 1);
    const start = () => {
      this.count(key, -1);
      return fn();
    };
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(start, start);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** True while a call with `key` runs or waits for its turn. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Every key with calls waiting for their turn, and how many (the one running is not counted). */
  waiting(): [key: string, count: number][] {
    return [...this.#waiting];
  }

  private count(key: string, change: number): void {
    const count = (this.#waiting.get(key) ?? 0) + change;
    if (count > 0) this.#waiting.set(key, count);
    else this.#waiting.delete(key);
  }
}
