/**
 * What is begun before a target opens (`RuntimeModule.warm`): `slipway deploy` reads the project,
 * then opens the store (about a second, mostly off the event loop) before it opens the target;
 * logging in to the hosts meanwhile, opening a session on each (`session.ts`), and, when no other
 * process can change the target, having the session list the host, takes the handshakes and the
 * first read off the deploy's path. What was begun is kept under a key (the target's state
 * directory and settings) for the runtime opened next with the same key; what none takes up within
 * `keptMs`, or is dropped, is closed.
 */
import type { SshPool } from '../kit/ssh/connection.js';
import type { HostSession } from './session.js';

/** A session warm opened; `listedAt` (ms since the epoch) when it was asked to list its host as it opened. */
export interface WarmSession {
  readonly session: HostSession;
  readonly listedAt?: number;
}

/** The connections begun for one target, and the sessions opened on them so far, by host index. */
export interface WarmStart {
  readonly pool: SshPool;
  readonly sessions: Map<number, WarmSession>;
}

const kept = new Map<string, WarmStart>();

/** A start kept by {@link keepWarmStart}. */
export interface KeptStart {
  /** True until it is taken up, dropped or expired. */
  readonly kept: boolean;
  /** Closes it unless it was taken up. Idempotent. */
  drop(): void;
}

/** Keeps `start` under `key` for {@link takeWarmStart}, closing the one kept there before. */
export function keepWarmStart(key: string, start: WarmStart, keptMs: number): KeptStart {
  const before = kept.get(key);
  kept.set(key, start);
  void before?.pool.close();
  const drop = () => {
    if (kept.get(key) !== start) return;
    kept.delete(key);
    clearTimeout(expiry);
    void start.pool.close(); // its sessions' channels close with it
  };
  const expiry = setTimeout(drop, keptMs);
  expiry.unref();
  return {
    get kept() {
      return kept.get(key) === start;
    },
    drop,
  };
}

/** The start kept under `key`, if any, now the caller's to use and close. */
export function takeWarmStart(key: string): WarmStart | undefined {
  const start = kept.get(key);
  kept.delete(key);
  return start;
}
