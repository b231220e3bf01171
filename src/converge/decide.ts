/**
 * The reconcile loop's decision for one key — a service in an environment on a target — as one
 * pure function, in the manner of controller-runtime's `Reconcile`: `reconcile(key, facts)` says
 * what differs, what to do about it, and when to look again. Level-based: it compares what should
 * run (the environment's accepted release, resolved for this target) with what the target reports,
 * whatever happened in between. It never removes (taking a service off a target is a person's
 * act), never acts where someone else owns the unit, and backs off after failed corrections.
 */
import type { DesiredUnit, ObservedUnit, UnitKey } from '../desired/types.js';
import { unitId } from '../desired/types.js';

/** What `reconcile` reads, as plain data. */
export interface ReconcileFacts {
  /** The unit the accepted release becomes on this target; absent when nothing was accepted here. */
  readonly desired?: DesiredUnit;
  /** Why the accepted release cannot be resolved any more (it breaks a constraint now): terminal. */
  readonly invalid?: string;
  /** What the target reports of the unit; absent when it runs nothing of it. */
  readonly observed?: ObservedUnit;
  /** The target could not be observed, and why. */
  readonly unreachable?: string;
  /** Why the unit must be left alone now: a person paused it, a rollout or a deployment owns it. */
  readonly hold?: string;
  /** The runtime restarts its own crashed instances (process supervision): an instance coming back is its business. */
  readonly selfHealing: boolean;
  /** Corrections of this key that failed in a row, and when the last one did (ms since epoch). */
  readonly failures: { readonly count: number; readonly lastAt?: number };
  /** The time, in ms since epoch. */
  readonly now: number;
}

/** What the executor is asked to do. */
export type ReconcileAction = { readonly kind: 'apply'; readonly unit: DesiredUnit; readonly reason: string };

/**
 * `difference`: what differs, in words (absent when nothing does). `heldBack`: why it is left as
 * it is now. `actions`: what to do (empty when held back or nothing differs). `requeueAfterMs`:
 * look again then, sooner than the periodic pass.
 */
export interface ReconcileResult {
  readonly difference?: string;
  readonly heldBack?: string;
  readonly actions: readonly ReconcileAction[];
  readonly requeueAfterMs?: number;
}

/** A difference that no retry will mend: recorded once, not retried until the facts change. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export interface BackoffPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { firstMs: 1000, maxMs: 60_000 };

/** How long a self-healing runtime is given to bring an instance back before the loop looks again. */
export const SELF_HEAL_MS = 2000;

/** The decision for `key`. Pure. Throws `TerminalError` where the accepted release cannot run here any more. */
export function reconcile(key: UnitKey, facts: ReconcileFacts, backoff: BackoffPolicy = DEFAULT_BACKOFF): ReconcileResult {
  if (facts.invalid) throw new TerminalError(`${unitId(key)}: the accepted release cannot run here any more: ${facts.invalid}`);
  const { desired } = facts;
  if (!desired) return { actions: [] };
  const found = difference(desired, facts);
  if (!found) return { actions: [] };
  if (facts.hold) return { difference: found.text, heldBack: facts.hold, actions: [] };
  if (found.healing) return { difference: found.text, heldBack: `the ${key.target} runtime is bringing it back`, actions: [], requeueAfterMs: SELF_HEAL_MS };
  const wait = retryIn(facts, backoff);
  if (wait > 0) return { difference: found.text, heldBack: `correcting failed ${facts.failures.count} time${facts.failures.count === 1 ? '' : 's'}; retrying in ${Math.ceil(wait / 1000)} s`, actions: [], requeueAfterMs: wait };
  return { difference: found.text, actions: [{ kind: 'apply', unit: desired, reason: found.text }] };
}

/** How long to wait before the next correction after `failures`: doubling from `firstMs` to `maxMs`. */
export function backoffMs(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return failures <= 0 ? 0 : Math.min(policy.firstMs * 2 ** (failures - 1), policy.maxMs);
}

function retryIn(facts: ReconcileFacts, policy: BackoffPolicy): number {
  const { count, lastAt } = facts.failures;
  return count > 0 && lastAt !== undefined ? Math.max(0, lastAt + backoffMs(count, policy) - facts.now) : 0;
}

/** What differs between the desired unit and the target's report, in words; `healing` when only instances the runtime restarts itself are down. */
function difference(desired: DesiredUnit, facts: ReconcileFacts): { text: string; healing?: boolean } | undefined {
  const { observed } = facts;
  const where = `${desired.service} in ${desired.environment} on ${desired.target}`;
  if (facts.unreachable) return { text: `${desired.target} cannot be reached (${facts.unreachable}); ${desired.service} ${desired.release.version} may not run there` };
  if (!observed || observed.health === 'missing') return { text: `${desired.service} is not running in ${desired.environment} on ${desired.target}` };
  if (observed.release.id !== desired.release.id) return { text: `${where} runs ${observed.release.version}, not the accepted ${desired.release.version}${notReady(observed)}` };
  if (observed.configHash !== desired.configHash) return { text: `${where} runs another configuration of ${desired.release.version}` };
  const others = observed.instances.filter((i) => i.configHash !== desired.configHash);
  if (others.length) return { text: `${where}: ${others.map((i) => `${i.id} runs ${i.release.version}`).join(', ')}, not ${desired.release.version}` };
  if (observed.replicas !== desired.replicas) return { text: `${where} runs ${observed.replicas} replicas, not ${desired.replicas}` };
  if (observed.drift?.length) return { text: `changed by hand: ${observed.drift.map((d) => `${d.path} ${d.change}`).join(', ')}` };
  if (observed.health === 'degraded' || observed.health === 'progressing') {
    const down = observed.instances.filter((i) => i.state !== 'ready');
    const text = `${where} is ${observed.health}${notReady(observed)}`;
    // Crashed and starting instances of a supervising runtime come back by themselves; an unhealthy one too.
    const healing = facts.selfHealing && down.every((i) => i.state === 'crashed' || i.state === 'starting' || i.state === 'unhealthy');
    if (observed.health === 'progressing' && !healing) return undefined; // on its way, nothing to correct
    return { text, healing };
  }
  return undefined;
}

/** `; not ready: <instance> (<why>), …` for the instances of `observed` that are not ready; empty when all are. */
function notReady(observed: ObservedUnit): string {
  const down = observed.instances.filter((i) => i.state !== 'ready');
  return down.length ? `; not ready: ${down.map((i) => `${i.id} (${i.message ?? i.state})`).join(', ')}` : '';
}
