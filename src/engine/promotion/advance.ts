/**
 * The promotion's decision, as one pure function: `advance(promotion, facts, now)` says what the
 * promotion's record becomes, which events tell of it, and what to do next — one action, or when
 * to look again. No I/O, no clock, no randomness: everything it needs arrives in `facts`
 * (gathered by `driver.ts`), and the outcome of an action it asked for arrives back in the
 * environment's progress (`EnvProgress.outcome`). An action asked for and not yet answered is
 * asked for again, so a promotion whose process was killed mid-action redoes it (each is safe to
 * redo: a roll-out names its deployment by `attempt`, a verification only reads).
 *
 * Per environment, in promotion order: pending → gated (approvals, freeze windows, dependencies,
 * another rollout, a person's go) → deploying → verifying → soaking → succeeded; a failed rollout
 * or verification goes to rolling-back → rolled-back (or to failed, with `onFailure: halt` or
 * nothing to roll back to). With the canary strategy the first target is rolled out and verified
 * alone before the rest.
 */
import type { ApprovalRule, FreezeWindow } from '../../inputs/index.js';
import { approvalsMissing, dependencyMissing, frozen, orderRefusal, rejection } from './gates.js';
import { isSettled, type Approval, type EnvPhase, type EnvProgress, type Promotion, type PromotionEvent, type PromotionStatus } from './types.js';

/** What the promotion needs to know of one environment. */
export interface EnvironmentFacts {
  readonly name: string;
  readonly promotesFrom: readonly string[];
  readonly autoPromote: boolean;
  readonly strategy: 'all-at-once' | 'rolling' | 'canary';
  readonly targets: readonly string[];
  readonly soakSeconds: number;
  readonly onFailure: 'rollback' | 'halt';
  readonly approvals: readonly ApprovalRule[];
  readonly freezeWindows: readonly FreezeWindow[];
  /** Each dependency of the release here, with the versions of it running healthy here now. */
  readonly dependencies: readonly { readonly service: string; readonly minVersion?: string; readonly running: readonly string[] }[];
  /** The version another promotion of the service is rolling out here now, if one is. */
  readonly busyWith?: string;
  /** The release the environment runs now (its current), to roll back to. */
  readonly currentReleaseId: string | null;
  /** Why the release may not enter here at all (it breaks a constraint of the environment now). */
  readonly refused?: string;
}

/** Everything `advance` reads, as plain data. */
export interface PromotionFacts {
  /** In promotion order: each environment after those it promotes from. */
  readonly environments: readonly EnvironmentFacts[];
  readonly approvals: readonly Approval[];
  /** Environments where this release succeeded before this promotion (the promotion order counts them). */
  readonly succeededBefore: readonly string[];
  /** The version of each release the promotion names by id (the ones it rolls back to). */
  readonly versions: Readonly<Record<string, string>>;
}

/** What the executor is asked to do; its outcome comes back as `EnvProgress.outcome` with the same `attempt`. */
export type PromotionAction =
  | { readonly kind: 'roll-out'; readonly attempt: string; readonly environment: string; readonly releaseId: string; readonly targets: readonly string[]; readonly strategy: EnvironmentFacts['strategy'] }
  | { readonly kind: 'verify'; readonly attempt: string; readonly environment: string; readonly targets: readonly string[] }
  | { readonly kind: 'roll-back'; readonly attempt: string; readonly environment: string; readonly releaseId: string };

/** The outcome of an action, recorded in its environment's progress. */
export interface ActionOutcome {
  readonly attempt: string;
  readonly ok: boolean;
  readonly message: string;
  /** The deployment a roll-out or roll-back made. */
  readonly deploymentId?: string;
}

/** What `advance` decided. `next` is `promotion` itself when nothing changed. */
export interface Advance {
  readonly next: Promotion;
  readonly events: readonly PromotionEvent[];
  /** Do this, record its outcome in `next`, and advance again. */
  readonly action?: PromotionAction;
  /** With no action and not finished: look again after this long (a soak; a gate, polled). */
  readonly requeueAfterMs?: number;
}

/** How often a gate is looked at again while it holds the release back. */
export const GATE_POLL_MS = 1000;

const ROLLING_OUT: readonly EnvPhase[] = ['deploying', 'verifying', 'soaking', 'rolling-back'];

/** True when `phase` is a rollout under way in its environment: the reconcile loop stands aside. */
export function isRollingOut(phase: EnvPhase): boolean {
  return ROLLING_OUT.includes(phase);
}

/** The promotion's next move. Pure. */
export function advance(promotion: Promotion, facts: PromotionFacts, now: Date): Advance {
  if (promotion.status === 'paused' || isFinishedStatus(promotion.status)) return { next: promotion, events: [] };
  const step = new Step(promotion, facts, now);
  for (const env of facts.environments) {
    const progress = promotion.environments[env.name];
    if (!progress || isSettled(progress.phase)) continue;
    const moved = step.environment(env, progress);
    if (moved) return moved;
  }
  return step.settle();
}

function isFinishedStatus(status: PromotionStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'superseded';
}

/** One call of `advance`: the promotion, its facts and the time, and the moves it can make. */
class Step {
  constructor(
    readonly promotion: Promotion,
    readonly facts: PromotionFacts,
    readonly now: Date,
  ) {}

  /** The move of one environment; undefined when it cannot move now and does not hold the others up. */
  environment(env: EnvironmentFacts, progress: EnvProgress): Advance | undefined {
    switch (progress.phase) {
      case 'pending':
        return this.reach(env);
      case 'gated':
        return this.gate(env, progress);
      case 'deploying':
        return this.rollOut(env, progress);
      case 'verifying':
        return this.verify(env, progress);
      case 'soaking':
        return this.soak(env, progress);
      case 'rolling-back':
        return this.rollBack(env, progress);
      default:
        return undefined;
    }
  }

  /** Ends the promotion once every environment has settled; otherwise keeps its status current and polls. */
  settle(): Advance {
    const progresses = Object.values(this.promotion.environments);
    if (!progresses.every((p) => isSettled(p.phase))) {
      const gated = progresses.find((p) => p.phase === 'gated');
      const status: PromotionStatus = gated ? 'waiting' : 'running';
      const message = gated?.message ?? 'running';
      const next = status === this.promotion.status && message === this.promotion.message ? this.promotion : { ...this.promotion, status, message };
      return { next, events: [], requeueAfterMs: GATE_POLL_MS };
    }
    const failed = progresses.find((p) => p.phase === 'failed' || p.phase === 'rolled-back');
    const status: PromotionStatus = failed ? 'failed' : 'succeeded';
    const message = failed ? failed.message : `${this.promotion.version} runs everywhere it was promoted`;
    const event = this.event(failed ? 'promotion.failed' : 'promotion.completed', `${this.label}: ${message}`);
    return { next: { ...this.promotion, status, message }, events: [event] };
  }

  private reach(env: EnvironmentFacts): Advance | undefined {
    const sources = env.promotesFrom.filter((e) => this.promotion.environments[e]);
    const from = sources.filter((e) => this.promotion.environments[e]!.phase !== 'skipped');
    const phases = from.map((e) => this.promotion.environments[e]!.phase);
    if (phases.some((p) => p === 'failed' || p === 'rolled-back')) return this.move(env.name, 'skipped', `not entered: ${from.join(', ')} did not succeed`);
    if (!phases.every((p) => p === 'succeeded')) return undefined;
    if (from.length < sources.length && !this.promotion.environments[env.name]!.orderOverride) {
      const refusal = orderRefusal(this.label, env.name, sources, new Set([...this.facts.succeededBefore, ...from]));
      if (refusal) return this.move(env.name, 'skipped', `not entered: ${refusal}`);
    }
    return this.move(env.name, 'gated', 'checking gates');
  }

  private gate(env: EnvironmentFacts, progress: EnvProgress): Advance {
    const approvals = this.facts.approvals.filter((a) => a.environment === env.name);
    const rejected = rejection(approvals);
    if (rejected) return this.move(env.name, 'failed', `rejected by ${rejected.actor}${rejected.comment ? `: ${rejected.comment}` : ''}`);
    if (env.refused) return this.move(env.name, 'failed', `not entered: ${env.refused}`);
    const waiting = this.closedGate(env, progress, approvals);
    if (waiting) {
      if (waiting === progress.message && this.promotion.status === 'waiting') return { next: this.promotion, events: [], requeueAfterMs: GATE_POLL_MS };
      const next = this.with(env.name, { ...progress, message: waiting });
      return { next, events: [this.event('promotion.waiting', `${this.label} in ${env.name}: ${waiting}`, env.name)], requeueAfterMs: GATE_POLL_MS };
    }
    const canary = canaryOf(env, progress);
    const moved = this.move(env.name, 'deploying', `rolling out ${this.promotion.version}${canary ? ` to the canary ${canary}` : ''}`, {
      previousReleaseId: env.currentReleaseId,
      ...(canary && { canary: { target: canary, verified: false } }),
    });
    return { ...moved, action: this.rollOutAction(env, moved.next.environments[env.name]!) };
  }

  /** The first gate that holds the release back, in words; undefined when all are open. */
  private closedGate(env: EnvironmentFacts, progress: EnvProgress, approvals: readonly Approval[]): string | undefined {
    if (env.busyWith) return `waiting for ${env.busyWith} to finish rolling out in ${env.name}`;
    const freeze = frozen(env.freezeWindows, this.now);
    if (freeze && !progress.freezeOverride) return freeze;
    const approval = approvalsMissing(env.approvals, approvals, this.promotion.createdBy);
    if (approval) return approval;
    for (const dependency of env.dependencies) {
      const missing = dependencyMissing(dependency, env.name, dependency.running);
      if (missing) return missing;
    }
    if (!env.autoPromote && env.promotesFrom.length > 0 && !progress.manualGo) return `waiting for someone to run: slipway promote ${this.promotion.service} --env ${env.name}`;
    return undefined;
  }

  private rollOut(env: EnvironmentFacts, progress: EnvProgress): Advance {
    const action = this.rollOutAction(env, progress);
    const outcome = outcomeOf(progress, action.attempt);
    if (!outcome) return { next: this.promotion, events: [], action };
    if (!outcome.ok) return this.fail(env, progress, `rollout failed: ${outcome.message}`);
    const verifying = progress.canary && !progress.canary.verified ? `verifying ${this.promotion.version} on the canary ${progress.canary.target}` : `verifying ${this.promotion.version}`;
    const moved = this.move(env.name, 'verifying', verifying, { deploymentId: outcome.deploymentId ?? progress.deploymentId });
    return { ...moved, action: verifyAction(env, moved.next.environments[env.name]!) };
  }

  private verify(env: EnvironmentFacts, progress: EnvProgress): Advance {
    const action = verifyAction(env, progress);
    const outcome = outcomeOf(progress, action.attempt);
    if (!outcome) return { next: this.promotion, events: [], action };
    if (!outcome.ok) {
      const failed = this.event('verification.failed', `${this.label} failed verification in ${env.name}: ${outcome.message}`, env.name);
      return this.fail(env, progress, `verification failed: ${outcome.message}`, [failed]);
    }
    if (progress.canary && !progress.canary.verified) {
      const { target } = progress.canary;
      const moved = this.move(env.name, 'deploying', `canary ${target} verified; rolling out to the rest`, { canary: { target, verified: true } }, [
        this.event('canary.verified', `${this.label} passed verification on the canary ${target} in ${env.name}`, env.name),
      ]);
      return { ...moved, action: this.rollOutAction(env, moved.next.environments[env.name]!) };
    }
    return this.move(env.name, 'soaking', `soaking ${this.promotion.version}`, {}, [
      this.event('verification.passed', `${this.label} passed verification in ${env.name}${outcome.message ? `: ${outcome.message}` : ''}`, env.name),
    ]);
  }

  private soak(env: EnvironmentFacts, progress: EnvProgress): Advance {
    const left = Date.parse(progress.since) + env.soakSeconds * 1000 - this.now.getTime();
    if (left > 0) return { next: this.promotion, events: [], requeueAfterMs: left };
    return this.move(env.name, 'succeeded', `${this.promotion.version} is good in ${env.name}`, {}, [this.event('promotion.advanced', `${this.label} succeeded in ${env.name}`, env.name)]);
  }

  private rollBack(env: EnvironmentFacts, progress: EnvProgress): Advance {
    const to = progress.previousReleaseId;
    if (!to) return this.move(env.name, 'failed', `${progress.message}; there was no earlier release to roll back to`);
    const action = rollBackAction(env, to);
    const outcome = outcomeOf(progress, action.attempt);
    if (!outcome) return { next: this.promotion, events: [], action };
    const cause = progress.message.replace(/; rolling back$/, '');
    if (!outcome.ok) {
      return this.move(env.name, 'failed', `${cause}; rolling back failed too: ${outcome.message}`, {}, [
        this.event('rollback.failed', `rolling ${this.promotion.service} in ${env.name} back failed: ${outcome.message}`, env.name),
      ]);
    }
    const version = this.facts.versions[to] ?? 'the release before';
    return this.move(env.name, 'rolled-back', `${cause}; ${version} runs again, ready`, {}, [
      this.event('rollback.completed', `${this.promotion.service} in ${env.name} is back on ${version}, ready`, env.name, { rolledBackTo: to }),
    ]);
  }

  /** A failed rollout or verification: rolled back to the release before, or halted (`onFailure: halt`, or nothing to go back to). */
  private fail(env: EnvironmentFacts, progress: EnvProgress, message: string, events: readonly PromotionEvent[] = []): Advance {
    const previous = progress.previousReleaseId ?? null;
    if (env.onFailure !== 'rollback') return this.move(env.name, 'failed', `${message}; halted for a person to look`, {}, events);
    if (!previous) return this.move(env.name, 'failed', `${message}; there was no earlier release to roll back to`, {}, events);
    const moved = this.move(env.name, 'rolling-back', `${message}; rolling back`, {}, events);
    return { ...moved, action: rollBackAction(env, previous) };
  }

  private rollOutAction(env: EnvironmentFacts, progress: EnvProgress): PromotionAction {
    const canary = progress.canary && !progress.canary.verified ? progress.canary.target : undefined;
    const stage = progress.canary ? (canary ? 'canary' : 'rest') : 'all';
    return {
      kind: 'roll-out',
      attempt: `${env.name}:roll-out:${stage}`,
      environment: env.name,
      releaseId: this.promotion.releaseId,
      targets: canary ? [canary] : env.targets,
      strategy: env.strategy,
    };
  }

  /** The promotion with `environment` moved to `phase`, and the events that tell of it. */
  private move(environment: string, phase: EnvPhase, message: string, extra: Partial<EnvProgress> = {}, events: readonly PromotionEvent[] = []): Advance {
    const progress = this.promotion.environments[environment]!;
    const { outcome: _done, ...kept } = progress; // an outcome answers the phase it was asked in
    return { next: this.with(environment, { ...kept, ...extra, phase, message, since: this.now.toISOString() }), events };
  }

  private with(environment: string, progress: EnvProgress): Promotion {
    const environments = { ...this.promotion.environments, [environment]: progress };
    const gated = Object.values(environments).some((p) => p.phase === 'gated');
    const status: PromotionStatus = this.promotion.status === 'paused' ? 'paused' : gated ? 'waiting' : 'running';
    return { ...this.promotion, status, message: `${environment}: ${progress.message}`, environments };
  }

  private get label(): string {
    return `${this.promotion.service} ${this.promotion.version}`;
  }

  private event(type: string, message: string, environment?: string, data: Record<string, unknown> = {}): PromotionEvent {
    const { id, service, releaseId } = this.promotion;
    return { type, actor: 'slipway', service, environment: environment ?? null, message, data: { ...(environment && { environment }), ...data, promotion: id, release: releaseId } };
  }
}

function rollBackAction(env: EnvironmentFacts, releaseId: string): PromotionAction {
  return { kind: 'roll-back', attempt: `${env.name}:roll-back`, environment: env.name, releaseId };
}

function verifyAction(env: EnvironmentFacts, progress: EnvProgress): PromotionAction {
  const canary = progress.canary && !progress.canary.verified ? progress.canary.target : undefined;
  return { kind: 'verify', attempt: `${env.name}:verify:${canary ? 'canary' : 'all'}`, environment: env.name, targets: canary ? [canary] : env.targets };
}

/** With the canary strategy and more than one target: the first target, which takes the release first. */
function canaryOf(env: EnvironmentFacts, progress: EnvProgress): string | undefined {
  if (env.strategy !== 'canary' || env.targets.length < 2 || progress.canary?.verified) return undefined;
  return env.targets[0];
}

function outcomeOf(progress: EnvProgress, attempt: string): ActionOutcome | undefined {
  return progress.outcome?.attempt === attempt ? progress.outcome : undefined;
}
