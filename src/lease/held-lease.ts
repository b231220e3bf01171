/**
 * A lease held for as long as a process has something open (a workspace): taken once, renewed on
 * a timer that does not keep the process alive, released on close. Should a renewal find it lost,
 * `onLost` is told.
 */
import type { Lease, LeaseStore } from '../store/lease-store.js';
import { LockedError } from './file-lock.js';
import { holderId, parseHolder, thisProcess } from './holder.js';

export interface HeldLease {
  readonly lease: Lease;
  /** Stops renewing and gives the lease up. Idempotent. */
  release(): Promise<void>;
}

/**
 * Takes `key` for this process, or throws `LockedError` naming the live holder's pid (another
 * process has it open). A lease left by a holder that is gone is taken over.
 */
export async function holdLease(leases: LeaseStore, key: string, options: { ttlMs?: number; onLost?: () => void } = {}): Promise<HeldLease> {
  const ttlMs = options.ttlMs ?? 30_000;
  const result = await leases.takeLease(key, holderId(thisProcess()), ttlMs);
  if (!('taken' in result)) {
    const pid = result.heldBy ? (parseHolder(result.heldBy.holder)?.pid ?? 0) : 0;
    throw new LockedError(key, pid, `${key} is held by process ${pid}`);
  }
  const lease = result.taken;
  const timer = setInterval(() => {
    leases.renewLease(lease, ttlMs).then((held) => held || options.onLost?.(), () => undefined);
  }, ttlMs / 3);
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    lease,
    release: () =>
      (released ??= (async () => {
        clearInterval(timer);
        await leases.releaseLease(lease).catch(() => undefined);
      })()),
  };
}
