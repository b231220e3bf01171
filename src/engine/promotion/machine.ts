/**
 * The promotion step machine. `step(id)` advances one promotion by one step and records the new
 * state before it acts (so the action is redone if the process dies during it) and after. Every
 * action is safe to redo: deploying what runs changes nothing, verification only reads, rollback
 * deploys a recorded release. The loop around it (`runPromotions`) only waits, polls and stops.
 */
import { randomUUID } from 'node:crypto';
import type { Release } from '../../desired/types.js';
import type { Verification } from '../../verification/index.js';
import { compliantService, instanceUrl } from '../../desired/index.js';
import { NotFoundError, SlipwayError, errorMessage } from '../../errors.js';
import { Version, checkName } from '../../inputs/name.js';
import { deploy } from '../deploy.js';
import { observeUnits } from '../units.js';
import type { Workspace } from '../workspace.js';
import type { ApprovalRule } from '../../inputs/index.js';
import { candidateRelease, cutRelease } from '../releases.js';
import { approvalsMissing, decisionRefusal, dependencyMissing, frozen, orderRefusal, rejection, type Decision } from './gates.js';
import { environmentsSucceeded } from './succeeded.js';
import { promotionOrder } from './order.js';
import { isFinished, isSettled, type EnvPhase, type EnvProgress, type Promotion, type PromotionEvent, type PromotionStatus, type PromotionStore } from './types.js';

/** Checks a release after its rollout in an environment. Must only read; it may be run again. */
export type Verifier = (input: {
  readonly service: string;
  readonly environment: string;
  readonly release: Release;
  readonly verification: Verification | undefined;
  /** One per instance: its base URL and its named ports. */
  readonly endpoints: readonly { readonly url: string; readonly ports: Readonly<Record<string, number>> }[];
}) => Promise<{ readonly passed: boolean; readonly message: string }>;

export interface EngineDeps {
  readonly store: PromotionStore;
  readonly now: () => Date;
  readonly verify: Verifier;
  /** Told of every event after it is recorded (notifications). */
  readonly onEvent?: (event: PromotionEvent) => void;
}

/** What starting a promotion takes: the release (cut when absent), who asks, and `only` one environment. */
export interface StartRequest {
  readonly service: string;
  readonly version?: string;
  readonly actor: string;
  readonly only?: string;
  /** With `only`: a reason to let the release in before it succeeded where `only` promotes from (admins only; the caller checks). */
  readonly orderOverride?: string;
}

/** What one step did: nothing to do, something changed, or waiting (poll again after `waitMs`). */
export type StepResult = { readonly changed: boolean; readonly waitMs?: number };

const POLL_MS = 1000;

export class PromotionEngine {
  constructor(
    private readonly ws: Workspace,
    private readonly deps: EngineDeps,
  ) {}

  /**
   * Cuts (or reuses) a release of `service` and starts carrying it from the first environments,
   * or into `only` alone. Another active promotion of the service is superseded or queued behind,
   * as the environments' `supersede` policy says.
   */
  async start(request: StartRequest): Promise<Promotion> {
    const { service, actor, only } = request;
    if (!this.ws.project.spec.services[service]) throw new NotFoundError('service', service);
    if (only && !this.ws.project.spec.environments[only]) throw new NotFoundError('environment', only);
    if (request.version !== undefined) checkName(Version, 'release version', request.version);
    if (only) await this.checkOrder(service, only, request);
    // A version that exists is promoted as it is (releases are immutable); otherwise one is cut.
    const release = (request.version && (await this.ws.store.findRelease(service, request.version))) || (await cutRelease(this.ws, service, { version: request.version, actor }));
    for (const environment of only ? [only] : Object.keys(this.ws.project.spec.environments)) {
      compliantService(this.ws.project, service, environment, { written: release.spec, release: release.version });
    }
    const at = this.deps.now().toISOString();
    const environments = Object.fromEntries(
      promotionOrder(this.ws.project.spec.environments).map((env): [string, EnvProgress] => [
        env,
        only && env !== only ? { phase: 'skipped', message: `only ${only} was asked for`, since: at } : { phase: 'pending', message: 'not reached yet', since: at },
      ]),
    );
    const orderOverride = request.orderOverride ? { actor, reason: request.orderOverride, at } : undefined;
    if (only) environments[only] = { ...environments[only]!, manualGo: { actor, at }, ...(orderOverride && { orderOverride }) };
    await this.supersede(service, actor);
    const id = randomUUID();
    const about = { id, service, releaseId: release.id };
    const told = [this.event(about, 'promotion.started', actor, `${actor} started promoting ${service} ${release.version}${only ? ` into ${only}` : ''}`)];
    if (only && orderOverride) {
      const text = `${actor} let ${service} ${release.version} into ${only} out of promotion order: ${orderOverride.reason}`;
      told.push(this.event(about, 'promotion.order-overridden', actor, text, { environment: only, reason: orderOverride.reason }));
    }
    return this.told(await this.deps.store.createPromotion({ id, service, releaseId: release.id, version: release.version, environments, createdBy: actor, message: 'started' }, told), told);
  }

  /**
   * Refuses (`gated`) a release that would enter `environment` before it succeeded in every
   * environment that one promotes from, unless the request overrides the order with a reason.
   * A version not recorded yet (or no version, for content not recorded) would be cut new, so it
   * has succeeded nowhere.
   */
  async checkOrder(service: string, environment: string, request: { version?: string; orderOverride?: string }): Promise<void> {
    if (request.orderOverride !== undefined) {
      if (!request.orderOverride.trim()) throw new SlipwayError('bad-request', 'an override of the promotion order needs a reason');
      return;
    }
    const { promotesFrom } = this.ws.project.spec.environments[environment]!;
    if (promotesFrom.length === 0) return;
    const release = request.version ? await this.ws.store.findRelease(service, request.version) : (await candidateRelease(this.ws, service)).existing;
    const succeeded = release ? await environmentsSucceeded(this.ws.store, service, release.id) : new Set<string>();
    const refusal = orderRefusal(`${service} ${release?.version ?? request.version ?? '(a new release)'}`, environment, promotesFrom, succeeded);
    if (refusal) throw new SlipwayError('gated', refusal);
  }

  /** Advances the promotion by one step. Idempotent where it matters: see the file comment. */
  async step(id: string): Promise<StepResult> {
    const promotion = await this.get(id);
    if (isFinished(promotion.status) || promotion.status === 'paused') return { changed: false };
    for (const environment of promotionOrder(this.ws.project.spec.environments)) {
      const progress = promotion.environments[environment];
      if (!progress || isSettled(progress.phase)) continue;
      const result = await this.advance(promotion, environment, progress);
      if (result) return result;
    }
    return this.settle(promotion);
  }

  /**
   * Records an approval (or rejection) of the promotion entering `environment`. A decision that
   * could not count (see `decisionRefusal`) is refused with `forbidden` and nothing is recorded.
   */
  async decide(id: string, environment: string, decision: Decision & { comment?: string }): Promise<Promotion> {
    const promotion = await this.get(id);
    this.environment(promotion, environment);
    if (isFinished(promotion.status)) throw new SlipwayError('conflict', `promotion ${id} has ${promotion.status}; nothing to approve`);
    const refusal = decisionRefusal(await this.approvalRules(promotion, environment), decision, promotion.createdBy, environment);
    if (refusal) throw new SlipwayError('forbidden', refusal);
    await this.deps.store.addApproval({ promotionId: id, environment, actor: decision.actor, groups: decision.groups, decision: decision.approved ? 'approved' : 'rejected', comment: decision.comment ?? '' });
    const verb = decision.approved ? 'approved' : 'rejected';
    await this.record(promotion, `promotion.${verb}`, decision.actor, `${decision.actor} ${verb} ${promotion.service} ${promotion.version} for ${environment}${decision.comment ? `: ${decision.comment}` : ''}`, { environment });
    return this.get(id);
  }

  /** Lets the promotion into `environment` despite a freeze window; recorded with who and why. */
  async overrideFreeze(id: string, environment: string, actor: string, reason: string): Promise<Promotion> {
    if (!reason.trim()) throw new SlipwayError('bad-request', 'a freeze override needs a reason');
    const promotion = await this.get(id);
    const progress = this.environment(promotion, environment);
    return this.save(promotion, environment, { ...progress, freezeOverride: { actor, reason, at: this.deps.now().toISOString() } }, [
      this.event(promotion, 'promotion.freeze-overridden', actor, `${actor} overrode the freeze of ${environment} for ${promotion.service} ${promotion.version}: ${reason}`, { environment, reason }),
    ]);
  }

  /** Says go for an environment that does not promote by itself. */
  async promote(id: string, environment: string, actor: string): Promise<Promotion> {
    const promotion = await this.get(id);
    const progress = this.environment(promotion, environment);
    return this.save(promotion, environment, { ...progress, manualGo: { actor, at: this.deps.now().toISOString() } }, [
      this.event(promotion, 'promotion.go', actor, `${actor} promoted ${promotion.service} ${promotion.version} into ${environment}`, { environment }),
    ]);
  }

  /** Pauses, resumes or cancels; a cancelled promotion leaves what runs as it is. */
  async control(id: string, action: 'pause' | 'resume' | 'cancel', actor: string, reason = ''): Promise<Promotion> {
    const promotion = await this.get(id);
    if (isFinished(promotion.status)) throw new SlipwayError('conflict', `promotion ${id} has ${promotion.status} already`);
    const status: PromotionStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'running' : 'cancelled';
    const environments = action === 'cancel' ? skipUnsettled(promotion.environments, `cancelled by ${actor}`, this.deps.now()) : promotion.environments;
    const message = `${action === 'resume' ? 'resumed' : action === 'pause' ? 'paused' : 'cancelled'} by ${actor}${reason ? `: ${reason}` : ''}`;
    const told = [this.event(promotion, `promotion.${action === 'resume' ? 'resumed' : action === 'pause' ? 'paused' : 'cancelled'}`, actor, `${promotion.service} ${promotion.version}: ${message}`)];
    return this.told(await this.deps.store.updatePromotion(id, { status, message, environments: { ...environments } }, told), told);
  }

  /** Runs every active promotion until none can move; returns how long the soonest waits. */
  async runActive(): Promise<number | undefined> {
    let soonest: number | undefined;
    for (const promotion of await this.deps.store.listPromotions({ active: true })) {
      for (;;) {
        const result = await this.step(promotion.id);
        if (result.waitMs !== undefined) soonest = Math.min(soonest ?? Infinity, result.waitMs);
        if (!result.changed) break;
      }
    }
    return soonest;
  }

  /** One step for one environment; undefined when this environment cannot move now. */
  private async advance(promotion: Promotion, environment: string, progress: EnvProgress): Promise<StepResult | undefined> {
    switch (progress.phase) {
      case 'pending':
        return this.reach(promotion, environment);
      case 'gated':
        return this.openGates(promotion, environment, progress);
      case 'deploying':
        return this.rollOut(promotion, environment, progress);
      case 'verifying':
        return this.verify(promotion, environment, progress);
      case 'soaking':
        return this.soak(promotion, environment, progress);
      case 'rolling-back':
        return this.rollBack(promotion, environment, progress);
      default:
        return undefined;
    }
  }

  /**
   * Lets the release reach `environment` once every environment it promotes from has settled: one
   * this promotion skipped counts only where the release succeeded before (or the order was
   * overridden); one where it failed keeps it out.
   */
  private async reach(promotion: Promotion, environment: string): Promise<StepResult | undefined> {
    const sources = this.ws.project.spec.environments[environment]!.promotesFrom.filter((e) => promotion.environments[e]);
    const from = sources.filter((e) => promotion.environments[e]!.phase !== 'skipped');
    const phases = from.map((e) => promotion.environments[e]!.phase);
    if (phases.some((p) => p === 'failed' || p === 'rolled-back')) {
      await this.move(promotion, environment, 'skipped', `not entered: ${from.join(', ')} did not succeed`);
      return { changed: true };
    }
    if (!phases.every((p) => p === 'succeeded')) return undefined;
    if (from.length < sources.length && !promotion.environments[environment]!.orderOverride) {
      const succeeded = await environmentsSucceeded(this.ws.store, promotion.service, promotion.releaseId);
      for (const e of from) succeeded.add(e);
      const refusal = orderRefusal(`${promotion.service} ${promotion.version}`, environment, sources, succeeded);
      if (refusal) {
        await this.move(promotion, environment, 'skipped', `not entered: ${refusal}`);
        return { changed: true };
      }
    }
    await this.move(promotion, environment, 'gated', 'checking gates');
    return { changed: true };
  }

  private async openGates(promotion: Promotion, environment: string, progress: EnvProgress): Promise<StepResult> {
    const approvals = (await this.deps.store.listApprovals(promotion.id)).filter((a) => a.environment === environment);
    const rejected = rejection(approvals);
    if (rejected) {
      await this.move(promotion, environment, 'failed', `rejected by ${rejected.actor}${rejected.comment ? `: ${rejected.comment}` : ''}`);
      return { changed: true };
    }
    const waiting = await this.gateMessage(promotion, environment, progress, approvals);
    if (waiting) {
      if (waiting !== progress.message || promotion.status !== 'waiting') {
        await this.save(promotion, environment, { ...progress, message: waiting }, [
          this.event(promotion, 'promotion.waiting', 'slipway', `${promotion.service} ${promotion.version} in ${environment}: ${waiting}`, { environment }),
        ]);
      }
      return { changed: false, waitMs: POLL_MS };
    }
    const previous = await this.ws.store.currentRelease(promotion.service, environment);
    await this.move(promotion, environment, 'deploying', `rolling out ${promotion.version}`, { previousReleaseId: previous?.id ?? null });
    return { changed: true };
  }

  /** The first gate that holds the release back, in words; undefined when all are open. */
  private async gateMessage(promotion: Promotion, environment: string, progress: EnvProgress, approvals: Parameters<typeof approvalsMissing>[1]): Promise<string | undefined> {
    const busy = (await this.deps.store.listPromotions({ service: promotion.service, active: true })).find(
      (other) => other.id !== promotion.id && ['deploying', 'verifying', 'soaking', 'rolling-back'].includes(other.environments[environment]?.phase ?? ''),
    );
    if (busy) return `waiting for ${busy.version} to finish rolling out in ${environment}`;
    const release = await this.release(promotion);
    const { gates, spec } = compliantService(this.ws.project, promotion.service, environment, { written: release.spec, release: release.version });
    const freeze = frozen(gates.freezeWindows.map((g) => g.window), this.deps.now());
    if (freeze && !progress.freezeOverride) return freeze;
    const approval = approvalsMissing(gates.approvals.map((g) => g.rule), approvals, promotion.createdBy);
    if (approval) return approval;
    for (const dependency of spec.dependsOn ?? []) {
      const running = (await observeUnits(this.ws, { service: dependency.service, environment })).filter((u) => u.health === 'healthy').map((u) => u.release.version);
      const missing = dependencyMissing(dependency, environment, running);
      if (missing) return missing;
    }
    const env = this.ws.project.spec.environments[environment]!;
    if (!env.autoPromote && env.promotesFrom.length > 0 && !progress.manualGo) return `waiting for someone to run: slipway promote ${promotion.service} --env ${environment}`;
    return undefined;
  }

  /**
   * Rolls the release out by the environment's strategy. A canary goes to the first target alone
   * and is verified there before the rest follow.
   */
  private async rollOut(promotion: Promotion, environment: string, progress: EnvProgress): Promise<StepResult> {
    const release = await this.release(promotion);
    const { strategy, targets } = this.ws.project.spec.environments[environment]!;
    const canary = strategy === 'canary' && targets.length > 1 && !progress.canary?.verified ? targets[0]! : undefined;
    const outcome = await deploy(this.ws, { service: promotion.service, environment, actor: 'slipway', release, strategy, ...(canary && { targets: [canary] }) });
    if (outcome.result === 'failed') return this.fail(promotion, environment, progress, `rollout failed: ${outcome.message}`);
    const verifying = canary ? `verifying ${promotion.version} on the canary ${canary}` : `verifying ${promotion.version}`;
    await this.move(promotion, environment, 'verifying', verifying, {
      deploymentId: outcome.deployment?.id ?? progress.deploymentId,
      ...(canary && { canary: { target: canary, verified: false } }),
    });
    return { changed: true };
  }

  private async verify(promotion: Promotion, environment: string, progress: EnvProgress): Promise<StepResult> {
    const release = await this.release(promotion);
    const canary = progress.canary && !progress.canary.verified ? progress.canary.target : undefined;
    const units = (await observeUnits(this.ws, { service: promotion.service, environment })).filter((u) => !canary || u.target === canary);
    const endpoints = units.flatMap((u) => u.instances.map((i) => ({ url: instanceUrl(i), ports: i.ports })));
    let result: { passed: boolean; message: string };
    try {
      result = await this.deps.verify({ service: promotion.service, environment, release, verification: this.ws.project.spec.environments[environment]!.verification, endpoints });
    } catch (error) {
      result = { passed: false, message: `verification could not run: ${errorMessage(error)}` };
    }
    if (!result.passed) {
      return this.fail(promotion, environment, progress, `verification failed: ${result.message}`, [
        this.event(promotion, 'verification.failed', 'slipway', `${promotion.service} ${promotion.version} failed verification in ${environment}: ${result.message}`, { environment }),
      ]);
    }
    if (canary) {
      await this.move(promotion, environment, 'deploying', `canary ${canary} verified; rolling out to the rest`, { canary: { target: canary, verified: true } }, [
        this.event(promotion, 'canary.verified', 'slipway', `${promotion.service} ${promotion.version} passed verification on the canary ${canary} in ${environment}`, { environment }),
      ]);
      return { changed: true };
    }
    await this.move(promotion, environment, 'soaking', `soaking ${promotion.version}`, {}, [
      this.event(promotion, 'verification.passed', 'slipway', `${promotion.service} ${promotion.version} passed verification in ${environment}${result.message ? `: ${result.message}` : ''}`, { environment }),
    ]);
    return { changed: true };
  }

  private async soak(promotion: Promotion, environment: string, progress: EnvProgress): Promise<StepResult> {
    const soakMs = this.ws.project.spec.environments[environment]!.soakSeconds * 1000;
    const left = Date.parse(progress.since) + soakMs - this.deps.now().getTime();
    if (left > 0) return { changed: false, waitMs: left };
    await this.move(promotion, environment, 'succeeded', `${promotion.version} is good in ${environment}`, {}, [
      this.event(promotion, 'promotion.advanced', 'slipway', `${promotion.service} ${promotion.version} succeeded in ${environment}`, { environment }),
    ]);
    return { changed: true };
  }

  private async rollBack(promotion: Promotion, environment: string, progress: EnvProgress): Promise<StepResult> {
    const previous = progress.previousReleaseId ? await this.ws.store.getRelease(progress.previousReleaseId) : undefined;
    if (!previous) {
      await this.move(promotion, environment, 'failed', `${progress.message}; there was no earlier release to roll back to`);
      return { changed: true };
    }
    const outcome = await deploy(this.ws, { service: promotion.service, environment, actor: 'slipway', release: previous });
    if (outcome.result === 'failed') {
      await this.move(promotion, environment, 'failed', `${progress.message}; rolling back to ${previous.version} failed too: ${outcome.message}`, {}, [
        this.event(promotion, 'rollback.failed', 'slipway', `rolling ${promotion.service} in ${environment} back to ${previous.version} failed: ${outcome.message}`, { environment }),
      ]);
      return { changed: true };
    }
    await this.move(promotion, environment, 'rolled-back', `${progress.message}; ${previous.version} runs again, ready`, {}, [
      this.event(promotion, 'rollback.completed', 'slipway', `${promotion.service} in ${environment} is back on ${previous.version}, ready`, { environment, rolledBackTo: previous.id }),
    ]);
    return { changed: true };
  }

  private async fail(promotion: Promotion, environment: string, progress: EnvProgress, message: string, events: readonly PromotionEvent[] = []): Promise<StepResult> {
    const rollback = this.ws.project.spec.environments[environment]!.onFailure === 'rollback';
    await this.move(
      promotion,
      environment,
      rollback ? 'rolling-back' : 'failed',
      rollback ? `${message}; rolling back` : `${message}; halted for a person to look`,
      { previousReleaseId: progress.previousReleaseId ?? null },
      [...events, this.event(promotion, 'deployment.failed', 'slipway', `${promotion.service} ${promotion.version} failed in ${environment}: ${message}`, { environment })],
    );
    return { changed: true };
  }

  /** Ends the promotion once every environment has settled; otherwise says whether it waits. */
  private async settle(promotion: Promotion): Promise<StepResult> {
    const progresses = Object.values(promotion.environments);
    if (!progresses.every((p) => isSettled(p.phase))) {
      const gated = progresses.find((p) => p.phase === 'gated');
      const status: PromotionStatus = gated ? 'waiting' : 'running';
      if (status !== promotion.status || (gated && gated.message !== promotion.message)) {
        await this.deps.store.updatePromotion(promotion.id, { status, message: gated?.message ?? 'running', environments: { ...promotion.environments } });
      }
      return { changed: false, waitMs: POLL_MS };
    }
    const failed = progresses.some((p) => p.phase === 'failed' || p.phase === 'rolled-back');
    const status: PromotionStatus = failed ? 'failed' : 'succeeded';
    const message = failed ? progresses.find((p) => p.phase === 'failed' || p.phase === 'rolled-back')!.message : `${promotion.version} runs everywhere it was promoted`;
    const told = [this.event(promotion, failed ? 'promotion.failed' : 'promotion.completed', 'slipway', `${promotion.service} ${promotion.version}: ${message}`)];
    this.told(await this.deps.store.updatePromotion(promotion.id, { status, message, environments: { ...promotion.environments } }, told), told);
    return { changed: true };
  }

  private async move(promotion: Promotion, environment: string, phase: EnvPhase, message: string, extra: Partial<EnvProgress> = {}, events: readonly PromotionEvent[] = []): Promise<Promotion> {
    const progress = promotion.environments[environment]!;
    return this.save(promotion, environment, { ...progress, ...extra, phase, message, since: this.deps.now().toISOString() }, events);
  }

  /** Writes the environment's new progress and the events that tell of it, in one transaction. */
  private async save(promotion: Promotion, environment: string, progress: EnvProgress, events: readonly PromotionEvent[] = []): Promise<Promotion> {
    const environments = { ...promotion.environments, [environment]: progress };
    const active = Object.values(environments).some((p) => p.phase === 'gated') ? 'waiting' : 'running';
    const status = promotion.status === 'paused' ? 'paused' : active;
    return this.told(await this.deps.store.updatePromotion(promotion.id, { status, message: `${environment}: ${progress.message}`, environments }, events), events);
  }

  /** Passes recorded events on to `onEvent` (notifications); returns `promotion` unchanged. */
  private told(promotion: Promotion, events: readonly PromotionEvent[]): Promotion {
    for (const event of events) this.deps.onEvent?.(event);
    return promotion;
  }

  private async supersede(service: string, actor: string): Promise<void> {
    for (const older of await this.deps.store.listPromotions({ service, active: true })) {
      const queue = Object.entries(older.environments).some(
        ([env, p]) => !isSettled(p.phase) && this.ws.project.spec.environments[env]?.supersede === 'queue',
      );
      if (queue) continue; // the newer one waits at each environment while the older rolls out there
      const inFlight = Object.values(older.environments).some((p) => ['deploying', 'verifying', 'rolling-back'].includes(p.phase));
      if (inFlight) continue; // never abandon a rollout half way; it finishes, the newer one follows
      const told = [this.event(older, 'promotion.superseded', actor, `${service} ${older.version} was superseded by a newer release`)];
      this.told(
        await this.deps.store.updatePromotion(
          older.id,
          { status: 'superseded', message: `superseded by a newer release, started by ${actor}`, environments: skipUnsettled(older.environments, 'superseded by a newer release', this.deps.now()) },
          told,
        ),
        told,
      );
    }
  }

  /** An event about `promotion`, to be recorded with the change it tells of. */
  private event(promotion: Pick<Promotion, 'id' | 'service' | 'releaseId'>, type: string, actor: string, message: string, data: { environment?: string; [key: string]: unknown } = {}): PromotionEvent {
    return { type, actor, service: promotion.service, environment: data.environment ?? null, message, data: { ...data, promotion: promotion.id, release: promotion.releaseId } };
  }

  /** Records an event that goes with no promotion change (an approval, recorded on its own). */
  private async record(promotion: Promotion, type: string, actor: string, message: string, data: { environment?: string; [key: string]: unknown } = {}): Promise<void> {
    const event = this.event(promotion, type, actor, message, data);
    await this.ws.store.appendEvent(event);
    this.deps.onEvent?.(event);
  }

  /** The approval rules of `environment` for the promotion's release. */
  private async approvalRules(promotion: Promotion, environment: string): Promise<ApprovalRule[]> {
    const release = await this.release(promotion);
    return compliantService(this.ws.project, promotion.service, environment, { written: release.spec, release: release.version }).gates.approvals.map((g) => g.rule);
  }

  private async get(id: string): Promise<Promotion> {
    const promotion = await this.deps.store.getPromotion(id);
    if (!promotion) throw new NotFoundError('promotion', id);
    return promotion;
  }

  private environment(promotion: Promotion, environment: string): EnvProgress {
    const progress = promotion.environments[environment];
    if (!progress) throw new NotFoundError('environment', environment);
    return progress;
  }

  private async release(promotion: Promotion): Promise<Release> {
    const release = await this.ws.store.getRelease(promotion.releaseId);
    if (!release) throw new NotFoundError('release', promotion.releaseId);
    return release;
  }
}

function skipUnsettled(environments: Readonly<Record<string, EnvProgress>>, message: string, now: Date): Record<string, EnvProgress> {
  return Object.fromEntries(
    Object.entries(environments).map(([env, p]) => [env, isSettled(p.phase) || p.phase !== 'pending' && p.phase !== 'gated' ? p : { ...p, phase: 'skipped' as const, message, since: now.toISOString() }]),
  );
}
