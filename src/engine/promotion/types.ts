/**
 * Promotions: one release carried along the environment graph. Each environment goes through
 * gates → rollout → verification → soak, and a failure there rolls it back. The whole state is a
 * record in the store, written before each action and again after it, so a killed control plane
 * resumes where it was.
 */

/** Where a release stands in one environment. */
export type EnvPhase =
  | 'pending' // not reached yet: environments it promotes from are not done
  | 'gated' // reached; waiting for an approval, a dependency, a freeze window or a person
  | 'deploying'
  | 'verifying'
  | 'soaking'
  | 'succeeded'
  | 'rolling-back'
  | 'rolled-back' // failed, and the previous release runs again, verified
  | 'failed' // failed and halted (onFailure: halt, or nothing to roll back to)
  | 'skipped'; // the promotion ended before it got here

/** True once nothing more will happen to the environment in this promotion. */
export function isSettled(phase: EnvPhase): boolean {
  return phase === 'succeeded' || phase === 'rolled-back' || phase === 'failed' || phase === 'skipped';
}

export interface EnvProgress {
  readonly phase: EnvPhase;
  /** Why it is in this phase, in words: "waiting for 1 approval from group sre". */
  readonly message: string;
  /** ISO time the phase began (soak and windows count from it). */
  readonly since: string;
  /** The release that ran here before this promotion touched it; rollback goes back to it. */
  readonly previousReleaseId?: string | null;
  readonly deploymentId?: string;
  /** An audited override of a freeze window. */
  readonly freezeOverride?: { readonly actor: string; readonly reason: string; readonly at: string };
  /** An audited entry out of promotion order: the release had not succeeded where this environment promotes from. */
  readonly orderOverride?: { readonly actor: string; readonly reason: string; readonly at: string };
  /** With the canary strategy: the target that takes the release first, and whether it passed verification there. */
  readonly canary?: { readonly target: string; readonly verified: boolean };
  /** The outcome of the action this phase asked for (`advance.ts`); absent until it is done. */
  readonly outcome?: { readonly attempt: string; readonly ok: boolean; readonly message: string; readonly deploymentId?: string };
  /** `slipway promote` said go, where the environment does not promote by itself. */
  readonly manualGo?: { readonly actor: string; readonly at: string };
}

export type PromotionStatus = 'running' | 'waiting' | 'paused' | 'succeeded' | 'failed' | 'cancelled' | 'superseded';

/** True once the promotion can change no more. */
export function isFinished(status: PromotionStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'superseded';
}

export interface Promotion {
  readonly id: string;
  readonly service: string;
  readonly releaseId: string;
  readonly version: string;
  readonly status: PromotionStatus;
  /** The latest thing that happened, or what it waits for. */
  readonly message: string;
  readonly environments: Readonly<Record<string, EnvProgress>>;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Approval {
  readonly promotionId: string;
  readonly environment: string;
  readonly actor: string;
  /** Groups the approver belongs to, as their token or the CLI says. */
  readonly groups: readonly string[];
  readonly decision: 'approved' | 'rejected';
  readonly comment: string;
  readonly at: Date;
}

/** An event to record with a promotion change (the store's `NewEvent`). */
export interface PromotionEvent {
  readonly type: string;
  readonly actor: string;
  readonly service?: string | null;
  readonly environment?: string | null;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * What the promotion engine keeps in the store. A change and the events that tell of it commit
 * together: a killed process never leaves a step done but untold, or told but not done.
 */
export interface PromotionStore {
  createPromotion(
    input: { id: string; service: string; releaseId: string; version: string; environments: Record<string, EnvProgress>; createdBy: string; message: string },
    events?: readonly PromotionEvent[],
  ): Promise<Promotion>;
  getPromotion(id: string): Promise<Promotion | undefined>;
  /** Newest first. `active`: not finished. */
  listPromotions(filter?: { service?: string; active?: boolean; limit?: number }): Promise<Promotion[]>;
  /** Replaces status, message and environments. */
  updatePromotion(id: string, change: { status: PromotionStatus; message: string; environments: Record<string, EnvProgress> }, events?: readonly PromotionEvent[]): Promise<Promotion>;
  addApproval(approval: Omit<Approval, 'at'>): Promise<Approval>;
  listApprovals(promotionId: string): Promise<Approval[]>;
}
