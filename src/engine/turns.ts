/**
 * Work that must not overlap, by key: each call runs once every earlier call with its key has
 * settled (succeeded or failed), in the order they were made. In one process only, which is
 * enough: one process holds a workspace.
 */
export class Turns {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #waiting = new Map<string, number>();

  /** Runs `work` in its turn; its result or error is the caller's alone. */
  take<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.count(key, 1);
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.count(key, -1);
        return work();
      });
    this.#tails.set(key, next);
    void next.finally(() => this.#tails.get(key) === next && this.#tails.delete(key)).catch(() => undefined);
    return next;
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
