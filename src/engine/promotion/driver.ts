/**
 * The promotion driver: the one place promotions move. It gathers a promotion's facts, asks
 * `advance` what happens next, records that (the promotion's new record and its events in one
 * transaction) before acting, carries out the one action `advance` asked for, records its outcome,
 * and asks again, until the promotion waits or ends. All of it under the promotion's lease
 * (`promotion:<id>`), so one process moves a promotion at a time; a process killed at any
 * instant leaves a record from which the next one asks `advance` again and redoes what was cut
 * short. People's acts on a promotion (approve, override a freeze, say go, pause, cancel) take the
 * same lease. The CLI (inline) and the server's loop both drive through here.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Release } from '../../desired/types.js';
import { instanceUrl } from '../../desired/address.js';
import { compliantService } from '../../desired/index.js';
import { NotFoundError, PolicyViolationError, SlipwayError, errorMessage } from '../../errors.js';
import { Version, checkName, type ApprovalRule } from '../../inputs/index.js';
import type { Verification } from '../../verification/index.js';
import { deployRelease } from '../deploy.js';
import { candidateRelease, cutRelease } from '../releases.js';
import { observeUnits } from '../units.js';
import type { Workspace } from '../workspace.js';
import { advance, isRollingOut, type ActionOutcome, type EnvironmentFacts, type PromotionAction, type PromotionFacts } from './advance.js';
import { decisionRefusal, orderRefusal, type Decision } from './gates.js';
import { promotionOrder } from './order.js';
import { environmentsSucceeded } from './succeeded.js';
import { isFinished, isSettled, type EnvProgress, type Promotion, type PromotionEvent, type PromotionStatus } from './types.js';

/** Checks a release after its rollout in an environment. Must only read; it may be run again. */
export type Verifier = (input: {
  readonly service: string;
  readonly environment: string;
  readonly release: Release;
  readonly verification: Verification | undefined;
  /** One per instance: its base URL (at the instance's own address) and its named ports. */
  readonly endpoints: readonly { readonly url: string; readonly host: string; readonly ports: Readonly<Record<string, number>> }[];
}) => Promise<{ readonly passed: boolean; readonly message: string }>;

export interface DriverDeps {
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

/** The lease key of a promotion. */
export function promotionLease(id: string): string {
  return `promotion:${id}`;
}

export class PromotionDriver {
  constructor(
    private readonly ws: Workspace,
    private readonly deps: DriverDeps,
  ) {}

  /**
   * Cuts (or reuses) a release of `service` and starts carrying it from the first environments,
   * or into `only` alone. Another active promotion of the service is superseded or queued behind,
   * as the environments' `supersede` policy says. Records nothing when refused.
   */
  async start(request: StartRequest): Promise<Promotion> {
    const { service, actor, only } = request;
    if (!this.ws.project.spec.services[service]) throw new NotFoundError('service', service);
    if (only && !this.ws.project.spec.environments[only]) throw new NotFoundError('environment', only);
    if (request.version !== undefined) checkName(Version, 'release version', request.version);
    return this.ws.executor.run(`promotions:${service}`, async () => {
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
      const told = [event(about, 'promotion.started', actor, `${actor} started promoting ${service} ${release.version}${only ? ` into ${only}` : ''}`)];
      if (only && orderOverride) {
        const text = `${actor} let ${service} ${release.version} into ${only} out of promotion order: ${orderOverride.reason}`;
        told.push(event(about, 'promotion.order-overridden', actor, text, { environment: only, reason: orderOverride.reason }));
      }
      const created = await this.ws.store.createPromotion({ id, service, releaseId: release.id, version: release.version, environments, createdBy: actor, message: 'started' }, told);
      return this.told(created, told);
    });
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

  /**
   * Moves the promotion as far as it can go now: until it waits (for a gate, a soak, a person) or
   * ends. Returns how long until it should be looked at again; undefined once it has finished.
   */
  step(id: string): Promise<number | undefined> {
    return this.ws.executor.run(promotionLease(id), async () => {
      for (;;) {
        let promotion = await this.get(id);
        const decided = advance(promotion, await this.facts(promotion), this.deps.now());
        const changed = decided.next !== promotion;
        if (changed || decided.events.length > 0) promotion = await this.save(decided.next, decided.events);
        if (isFinished(promotion.status)) return undefined;
        if (!decided.action) {
          if (changed) continue; // a move without an action: the next one may follow at once
          return decided.requeueAfterMs;
        }
        const outcome = await this.perform(promotion, decided.action);
        const progress = promotion.environments[decided.action.environment]!;
        await this.save({ ...promotion, environments: { ...promotion.environments, [decided.action.environment]: { ...progress, outcome } } }, []);
      }
    });
  }

  /** Steps every active promotion, side by side; returns how long until the soonest should be looked at again. */
  async runActive(): Promise<number | undefined> {
    const waits = await Promise.all((await this.ws.store.listPromotions({ active: true })).map((p) => this.step(p.id)));
    const soonest = Math.min(...waits.filter((w): w is number => w !== undefined));
    return Number.isFinite(soonest) ? soonest : undefined;
  }

  /**
   * Records an approval (or rejection) of the promotion entering `environment`. A decision that
   * could not count (see `decisionRefusal`) is refused with `forbidden` and nothing is recorded.
   */
  decide(id: string, environment: string, decision: Decision & { comment?: string }): Promise<Promotion> {
    return this.ws.executor.run(promotionLease(id), async () => {
      const promotion = await this.get(id);
      progressIn(promotion, environment);
      if (isFinished(promotion.status)) throw new SlipwayError('conflict', `promotion ${id} has ${promotion.status}; nothing to approve`);
      const refusal = decisionRefusal(await this.approvalRules(promotion, environment), decision, promotion.createdBy, environment);
      if (refusal) throw new SlipwayError('forbidden', refusal);
      await this.ws.store.addApproval({ promotionId: id, environment, actor: decision.actor, groups: decision.groups, decision: decision.approved ? 'approved' : 'rejected', comment: decision.comment ?? '' });
      const verb = decision.approved ? 'approved' : 'rejected';
      const told = event(promotion, `promotion.${verb}`, decision.actor, `${decision.actor} ${verb} ${promotion.service} ${promotion.version} for ${environment}${decision.comment ? `: ${decision.comment}` : ''}`, { environment });
      await this.ws.store.appendEvent(told);
      this.deps.onEvent?.(told);
      return this.get(id);
    });
  }

  /** Lets the promotion into `environment` despite a freeze window; recorded with who and why. */
  async overrideFreeze(id: string, environment: string, actor: string, reason: string): Promise<Promotion> {
    if (!reason.trim()) throw new SlipwayError('bad-request', 'a freeze override needs a reason');
    return this.change(id, environment, (p) => ({ ...p, freezeOverride: { actor, reason, at: this.deps.now().toISOString() } }), (promotion) =>
      event(promotion, 'promotion.freeze-overridden', actor, `${actor} overrode the freeze of ${environment} for ${promotion.service} ${promotion.version}: ${reason}`, { environment, reason }),
    );
  }

  /** Says go for an environment that does not promote by itself. */
  go(id: string, environment: string, actor: string): Promise<Promotion> {
    return this.change(id, environment, (p) => ({ ...p, manualGo: { actor, at: this.deps.now().toISOString() } }), (promotion) =>
      event(promotion, 'promotion.go', actor, `${actor} promoted ${promotion.service} ${promotion.version} into ${environment}`, { environment }),
    );
  }

  /** Pauses, resumes or cancels; a cancelled promotion leaves what runs as it is. */
  control(id: string, action: 'pause' | 'resume' | 'cancel', actor: string, reason = ''): Promise<Promotion> {
    return this.ws.executor.run(promotionLease(id), async () => {
      const promotion = await this.get(id);
      if (isFinished(promotion.status)) throw new SlipwayError('conflict', `promotion ${id} has ${promotion.status} already`);
      const status: PromotionStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'running' : 'cancelled';
      const environments = action === 'cancel' ? skipUnsettled(promotion.environments, `cancelled by ${actor}`, this.deps.now()) : promotion.environments;
      const done = action === 'resume' ? 'resumed' : action === 'pause' ? 'paused' : 'cancelled';
      const message = `${done} by ${actor}${reason ? `: ${reason}` : ''}`;
      return this.save({ ...promotion, status, message, environments }, [event(promotion, `promotion.${done}`, actor, `${promotion.service} ${promotion.version}: ${message}`)]);
    });
  }

  /** The facts `advance` reads, gathered now. Dependencies are observed live, for the environments they gate. */
  private async facts(promotion: Promotion): Promise<PromotionFacts> {
    const release = await this.release(promotion);
    const active = await this.ws.store.listPromotions({ service: promotion.service, active: true });
    const environments = await Promise.all(
      promotionOrder(this.ws.project.spec.environments).map((name) => this.environmentFacts(promotion, release, name, active)),
    );
    const needsHistory = Object.values(promotion.environments).some((p) => p.phase === 'pending');
    const previous = [...new Set(Object.values(promotion.environments).flatMap((p) => (p.previousReleaseId ? [p.previousReleaseId] : [])))];
    const versions = Object.fromEntries(await Promise.all(previous.map(async (id) => [id, (await this.ws.store.getRelease(id))?.version ?? id] as const)));
    return {
      environments,
      versions,
      approvals: await this.ws.store.listApprovals(promotion.id),
      succeededBefore: needsHistory ? [...(await environmentsSucceeded(this.ws.store, promotion.service, promotion.releaseId))] : [],
    };
  }

  private async environmentFacts(promotion: Promotion, release: Release, name: string, active: readonly Promotion[]): Promise<EnvironmentFacts> {
    const spec = this.ws.project.spec.environments[name]!;
    const base = {
      name,
      promotesFrom: spec.promotesFrom,
      autoPromote: spec.autoPromote,
      strategy: spec.strategy,
      targets: spec.targets,
      soakSeconds: spec.soakSeconds,
      onFailure: spec.onFailure,
    };
    const gated = promotion.environments[name]?.phase === 'gated';
    let resolved: ReturnType<typeof compliantService>;
    try {
      resolved = compliantService(this.ws.project, promotion.service, name, { written: release.spec, release: release.version });
    } catch (error) {
      if (!(error instanceof PolicyViolationError)) throw error;
      return { ...base, approvals: [], freezeWindows: [], dependencies: [], currentReleaseId: null, refused: error.message };
    }
    const busy = active.find((other) => other.id !== promotion.id && isRollingOut(other.environments[name]?.phase ?? 'pending'));
    const dependencies = gated
      ? await Promise.all(
          (resolved.spec.dependsOn ?? []).map(async (d) => ({
            ...d,
            running: (await observeUnits(this.ws, { service: d.service, environment: name })).filter((u) => u.health === 'healthy').map((u) => u.release.version),
          })),
        )
      : [];
    return {
      ...base,
      approvals: resolved.gates.approvals.map((g) => g.rule),
      freezeWindows: resolved.gates.freezeWindows.map((g) => g.window),
      dependencies,
      ...(busy && { busyWith: busy.version }),
      currentReleaseId: gated ? ((await this.ws.store.currentRelease(promotion.service, name))?.id ?? null) : null,
    };
  }

  /** Carries out one action; its failure is an outcome, never a throw. */
  private async perform(promotion: Promotion, action: PromotionAction): Promise<ActionOutcome> {
    const { attempt, environment } = action;
    try {
      switch (action.kind) {
        case 'roll-out':
        case 'roll-back': {
          const release = action.kind === 'roll-out' ? await this.release(promotion) : await this.ws.store.getRelease(action.releaseId);
          if (!release) return { attempt, ok: false, message: `release ${action.releaseId} is not recorded` };
          const targets = action.kind === 'roll-out' ? action.targets : undefined;
          const strategy = action.kind === 'roll-out' ? action.strategy : undefined;
          const id = attemptId(promotion.id, attempt);
          const reason = `${action.kind === 'roll-out' ? 'rolling out' : 'rolling back to'} ${promotion.service} ${release.version} in ${environment} (promotion ${promotion.id.slice(0, 8)})`;
          const outcome = await deployRelease(this.ws, { service: promotion.service, environment, actor: 'slipway', release, targets, strategy, id, reason });
          return { attempt, ok: outcome.result !== 'failed', message: outcome.message, ...(outcome.deployment && { deploymentId: outcome.deployment.id }) };
        }
        case 'verify': {
          const release = await this.release(promotion);
          const units = (await observeUnits(this.ws, { service: promotion.service, environment })).filter((u) => action.targets.includes(u.target));
          const endpoints = units.flatMap((u) =>
            u.instances.map((i) => ({ url: instanceUrl(i), host: i.host, ports: i.ports })),
          );
          const verification = this.ws.project.spec.environments[environment]!.verification;
          const result = await this.deps.verify({ service: promotion.service, environment, release, verification, endpoints });
          return { attempt, ok: result.passed, message: result.message };
        }
      }
    } catch (error) {
      return { attempt, ok: false, message: `${action.kind} could not run: ${errorMessage(error)}` };
    }
  }

  /** Changes one environment's progress of the promotion with the event that tells of it, under its lease. */
  private change(id: string, environment: string, update: (progress: EnvProgress) => EnvProgress, tell: (promotion: Promotion) => PromotionEvent): Promise<Promotion> {
    return this.ws.executor.run(promotionLease(id), async () => {
      const promotion = await this.get(id);
      const progress = progressIn(promotion, environment);
      return this.save({ ...promotion, environments: { ...promotion.environments, [environment]: update(progress) } }, [tell(promotion)]);
    });
  }

  /** Writes the promotion's status, message and environments and `events`, in one transaction, then passes the events on. */
  private async save(promotion: Promotion, events: readonly PromotionEvent[]): Promise<Promotion> {
    const saved = await this.ws.store.updatePromotion(promotion.id, { status: promotion.status, message: promotion.message, environments: { ...promotion.environments } }, events);
    return this.told(saved, events);
  }

  /** Passes recorded events on to `onEvent` (notifications); returns `promotion` unchanged. */
  private told(promotion: Promotion, events: readonly PromotionEvent[]): Promotion {
    for (const told of events) this.deps.onEvent?.(told);
    return promotion;
  }

  private async supersede(service: string, actor: string): Promise<void> {
    for (const older of await this.ws.store.listPromotions({ service, active: true })) {
      const queue = Object.entries(older.environments).some(([env, p]) => !isSettled(p.phase) && this.ws.project.spec.environments[env]?.supersede === 'queue');
      if (queue) continue; // the newer one waits at each environment while the older rolls out there
      const inFlight = Object.values(older.environments).some((p) => ['deploying', 'verifying', 'rolling-back'].includes(p.phase));
      if (inFlight) continue; // never abandon a rollout half way; it finishes, the newer one follows
      await this.ws.executor.run(promotionLease(older.id), async () => {
        const told = [event(older, 'promotion.superseded', actor, `${service} ${older.version} was superseded by a newer release`)];
        const environments = skipUnsettled(older.environments, 'superseded by a newer release', this.deps.now());
        await this.save({ ...older, status: 'superseded', message: `superseded by a newer release, started by ${actor}`, environments }, told);
      });
    }
  }

  /** The approval rules of `environment` for the promotion's release. */
  private async approvalRules(promotion: Promotion, environment: string): Promise<ApprovalRule[]> {
    const release = await this.release(promotion);
    return compliantService(this.ws.project, promotion.service, environment, { written: release.spec, release: release.version }).gates.approvals.map((g) => g.rule);
  }

  private async get(id: string): Promise<Promotion> {
    const promotion = await this.ws.store.getPromotion(id);
    if (!promotion) throw new NotFoundError('promotion', id);
    return promotion;
  }

  private async release(promotion: Promotion): Promise<Release> {
    const release = await this.ws.store.getRelease(promotion.releaseId);
    if (!release) throw new NotFoundError('release', promotion.releaseId);
    return release;
  }
}

/** The deployment id of a promotion's action: the same each time the action is asked for, so a redo finds it. */
export function attemptId(promotionId: string, attempt: string): string {
  const hex = createHash('sha256').update(`${promotionId}\0${attempt}`).digest('hex');
  // Shaped as a UUID (version 8: made by the application) so every route that takes a deployment id takes it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function progressIn(promotion: Promotion, environment: string): EnvProgress {
  const progress = promotion.environments[environment];
  if (!progress) throw new NotFoundError('environment', environment);
  return progress;
}

/** An event about `promotion`, to be recorded with the change it tells of. */
function event(promotion: Pick<Promotion, 'id' | 'service' | 'releaseId'>, type: string, actor: string, message: string, data: { environment?: string; [key: string]: unknown } = {}): PromotionEvent {
  return { type, actor, service: promotion.service, environment: data.environment ?? null, message, data: { ...data, promotion: promotion.id, release: promotion.releaseId } };
}

function skipUnsettled(environments: Readonly<Record<string, EnvProgress>>, message: string, now: Date): Record<string, EnvProgress> {
  return Object.fromEntries(
    Object.entries(environments).map(([env, p]) => [env, isSettled(p.phase) || (p.phase !== 'pending' && p.phase !== 'gated') ? p : { ...p, phase: 'skipped' as const, message, since: now.toISOString() }]),
  );
}
