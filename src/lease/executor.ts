/**
 * The executor: the one place work that changes something runs, each piece under the lease of
 * its key (`unit:<service>/<environment>`, `promotion:<id>`, …). Work on different keys runs
 * concurrently; work on one key runs one at a time, across every process sharing the store: in
 * this process in the order it was asked for, against other processes by polling the lease. The
 * lease is renewed while the work runs; should it be lost (this process stalled past its expiry
 * and another took it), the work's signal is aborted. A lease taken over from a holder that left
 * it (killed, or silent past its expiry) is handed to `recover` first, which finishes or undoes
 * what that holder left half done.
 */
import type { Lease, LeaseStore } from '../store/lease-store.js';
import { KeyedLock } from '../keyed-lock.js';
import { sleep } from '../sleep.js';
import { holderId, thisProcess, type Holder } from './holder.js';

export interface ExecutorOptions {
  /** Who holds the leases this executor takes. Default: this process. */
  readonly holder?: Holder;
  /** How long a lease lasts without renewal. Default 20 s. */
  readonly ttlMs?: number;
  /** How often a held lease is renewed. Default a third of `ttlMs`. */
  readonly renewMs?: number;
  /** How often a lease held by another process is tried again. Default 200 ms. */
  readonly pollMs?: number;
  /**
   * Finishes or undoes what a holder that left `key` without releasing it had begun; runs under
   * the lease, before the work that found it. Must be idempotent (it may itself be cut short).
   */
  readonly recover?: (key: string, signal: AbortSignal) => Promise<void>;
}

/** What the work is given. */
export interface Held {
  /** Aborted when the lease is lost. */
  readonly signal: AbortSignal;
}

export class Executor {
  readonly #holder: string;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #pollMs: number;
  /** Runs on one key in this process, in the order asked for: each takes the lease in its turn. */
  readonly #turns = new KeyedLock();

  constructor(
    private readonly leases: LeaseStore,
    private readonly options: ExecutorOptions = {},
  ) {
    this.#holder = holderId(options.holder ?? thisProcess());
    this.#ttlMs = options.ttlMs ?? 20_000;
    this.#renewMs = options.renewMs ?? Math.floor(this.#ttlMs / 3);
    this.#pollMs = options.pollMs ?? 200;
  }

  /** The holder id this executor's leases carry. */
  get holder(): string {
    return this.#holder;
  }

  /**
   * Runs `work` while holding `key`'s lease, waiting for it as the module comment says; resolves
   * or rejects with the work. Giving up the wait: abort `options.signal`.
   */
  run<T>(key: string, work: (held: Held) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#turns.run(key, () => this.#holding(key, work, options.signal));
  }

  /** Keys with runs waiting in this process for their turn, and how many (the one running is not counted). */
  waiting(): [key: string, count: number][] {
    return this.#turns.waiting();
  }

  /** Takes every lease that was left abandoned and recovers it; returns their keys. For a process starting up. */
  async recoverAbandoned(): Promise<string[]> {
    const keys = (await this.leases.abandonedLeases()).map((lease) => lease.key);
    for (const key of keys) await this.run(key, async () => undefined);
    return keys;
  }

  async #holding<T>(key: string, work: (held: Held) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const { lease, recovered } = await this.#take(key, signal);
    const lost = new AbortController();
    const renewal = setInterval(() => {
      this.leases.renewLease(lease, this.#ttlMs).then(
        (held) => held || lost.abort(new Error(`the lease on ${key} was lost`)),
        () => undefined, // the store did not answer; the next renewal tries again
      );
    }, this.#renewMs);
    try {
      if (recovered) await this.options.recover?.(key, lost.signal);
      return await work({ signal: lost.signal });
    } finally {
      clearInterval(renewal);
      await this.leases.releaseLease(lease).catch(() => undefined); // it expires by itself
    }
  }

  async #take(key: string, signal: AbortSignal | undefined): Promise<{ lease: Lease; recovered: boolean }> {
    for (;;) {
      signal?.throwIfAborted();
      const result = await this.leases.takeLease(key, this.#holder, this.#ttlMs);
      if ('taken' in result) return { lease: result.taken, recovered: result.recovered };
      await sleep(this.#pollMs, signal);
    }
  }
}
