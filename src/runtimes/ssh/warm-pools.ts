/**
 * Connections begun before a target opens (`RuntimeModule.warm`): `slipway deploy` reads the
 * project, then opens the store (about a second, mostly off the event loop) before it opens the
 * target, and logging in to the hosts meanwhile takes the handshakes off the deploy's path. A pool
 * is kept under a key (the target's state directory and settings) for the runtime opened next with
 * the same key; one that none takes up within `keptMs`, or that is dropped, is closed.
 */
import type { SshPool } from '../kit/ssh/connection.js';

const kept = new Map<string, SshPool>();

/** A pool kept by {@link keepWarmPool}. */
export interface WarmPool {
  /** True until it is taken up, dropped or expired. */
  readonly kept: boolean;
  /** Closes it unless it was taken up. Idempotent. */
  drop(): void;
}

/** Keeps `pool` under `key` for {@link takeWarmPool}, closing the one kept there before. */
export function keepWarmPool(key: string, pool: SshPool, keptMs: number): WarmPool {
  const before = kept.get(key);
  kept.set(key, pool);
  void before?.close();
  const drop = () => {
    if (kept.get(key) !== pool) return;
    kept.delete(key);
    clearTimeout(expiry);
    void pool.close();
  };
  const expiry = setTimeout(drop, keptMs);
  expiry.unref();
  return {
    get kept() {
      return kept.get(key) === pool;
    },
    drop,
  };
}

/** The pool kept under `key`, if any, now the caller's to use and close. */
export function takeWarmPool(key: string): SshPool | undefined {
  const pool = kept.get(key);
  kept.delete(key);
  return pool;
}
