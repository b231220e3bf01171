/**
 * The reconcile loop's one pass: level-based, keyed by (service, environment, target). Desired is
 * the release each environment last accepted (a deployment that succeeded, so never a release that
 * has not passed its gates); observed is what the runtimes report. A missing, crashed, scaled or
 * drifted unit is corrected; a new target gets every service; a target that fails is retried with
 * backoff. It stands aside where a rollout is in progress and where a person paused it.
 */
import type { DesiredUnit, ObservedUnit, UnitKey } from '../desired/types.js';
import { unitId } from '../desired/types.js';
import { plan, stepKey, type PlanStep } from '../planner/index.js';
import { errorMessage } from '../errors.js';
import { materialize, unitsOf, type Drift, type Workspace } from '../engine/index.js';
import { Redactor } from '../secrets/index.js';

export type { Drift } from '../engine/index.js';

export interface ReconcileOptions {
  readonly now?: () => Date;
  /** First retry delay for a target that failed; doubles to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class Reconciler {
  readonly #since = new Map<string, Date>();
  readonly #backoff = new Map<string, { until: number; delay: number }>();
  readonly #now: () => Date;

  constructor(
    private readonly ws: Workspace,
    private readonly options: ReconcileOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
  }

  /** What differs now, without changing anything. */
  async drift(): Promise<Drift[]> {
    const { differences } = await this.compare();
    return differences.map(({ key, difference, heldBack }) => ({ ...key, difference, since: this.#since.get(unitId(key)) ?? this.#now(), ...(heldBack && { heldBack }) }));
  }

  /** Observes, compares and corrects every unit that may be corrected. Never throws for one unit. */
  async reconcile(): Promise<Drift[]> {
    const { differences, desired } = await this.compare();
    for (const { key, difference, heldBack } of differences) {
      if (heldBack) continue;
      const unit = desired.get(unitId(key));
      if (!unit) continue;
      await this.correct(unit, difference);
    }
    return this.drift();
  }

  private async correct(unit: DesiredUnit, difference: string): Promise<void> {
    const target = unit.target;
    const redactor = new Redactor();
    try {
      await this.ws.runtime(target).apply(await materialize(this.ws, unit, redactor));
      this.#backoff.delete(target);
      this.#since.delete(unitId(unit));
      await this.record('converge.corrected', unit, `${unitId(unit)} corrected: ${difference}`);
    } catch (error) {
      const previous = this.#backoff.get(target)?.delay ?? 0;
      const delay = Math.min(previous ? previous * 2 : (this.options.backoffMs ?? 1000), this.options.maxBackoffMs ?? 60_000);
      this.#backoff.set(target, { until: this.#now().getTime() + delay, delay });
      await this.record('converge.failed', unit, `${unitId(unit)} could not be corrected (${redactor.redact(errorMessage(error))}); retrying in ${Math.round(delay / 1000)} s`);
    }
  }

  /** Desired against observed, with why any difference is held back. */
  private async compare(): Promise<{ differences: { key: UnitKey; difference: string; heldBack?: string }[]; desired: Map<string, DesiredUnit> }> {
    const desired = new Map<string, DesiredUnit>();
    for (const service of Object.keys(this.ws.project.spec.services)) {
      for (const environment of Object.keys(this.ws.project.spec.environments)) {
        const release = await this.ws.store.currentRelease(service, environment);
        if (!release) continue;
        try {
          for (const unit of unitsOf(this.ws, release, environment)) desired.set(unitId(unit), unit);
        } catch {
          // the release no longer meets a constraint: nothing to converge towards until a person acts
        }
      }
    }
    const observed = await this.observe();
    const steps = plan({ units: [...desired.values()] }, { units: observed }).steps.filter((step) => step.kind !== 'remove');
    const drifted = observed.filter((u) => u.drift?.length && desired.has(unitId(u)) && !steps.some((s) => unitId(stepKey(s)) === unitId(u)));
    const differences = [
      ...steps.map((step) => ({ key: stepKey(step), difference: describe(step) })),
      ...drifted.map((u) => ({ key: u as UnitKey, difference: `changed by hand: ${u.drift!.map((d) => `${d.path} ${d.change}`).join(', ')}` })),
    ];
    const held = await this.heldBack();
    const now = this.#now();
    for (const { key } of differences) if (!this.#since.has(unitId(key))) this.#since.set(unitId(key), now);
    for (const id of [...this.#since.keys()]) if (!differences.some(({ key }) => unitId(key) === id)) this.#since.delete(id);
    return { differences: differences.map((d) => ({ ...d, ...(held(d.key) && { heldBack: held(d.key) }) })), desired };
  }

  /** Every target's units; a target that cannot be observed contributes none and is backed off. */
  private async observe(): Promise<ObservedUnit[]> {
    const all: ObservedUnit[] = [];
    for (const [target, runtime] of this.ws.runtimes) {
      try {
        all.push(...(await runtime.observe()));
      } catch {
        this.#backoff.set(target, { until: this.#now().getTime() + (this.options.backoffMs ?? 1000), delay: this.options.backoffMs ?? 1000 });
      }
    }
    return all;
  }

  /** Why a unit must be left alone now, if it must. */
  private async heldBack(): Promise<(key: UnitKey) => string | undefined> {
    const active = await this.ws.store.listPromotions({ active: true });
    const paused = await this.ws.store.listConvergencePauses();
    const now = this.#now().getTime();
    return (key) => {
      const pause = paused.find((p) => p.service === key.service && p.environment === key.environment);
      if (pause) return `paused by ${pause.actor}${pause.reason ? `: ${pause.reason}` : ''}`;
      const rollout = active.find((p) => p.service === key.service && ['deploying', 'verifying', 'rolling-back'].includes(p.environments[key.environment]?.phase ?? ''));
      if (rollout) return `a rollout of ${rollout.version} owns it`;
      const backoff = this.#backoff.get(key.target);
      if (backoff && backoff.until > now) return `${key.target} failed; retrying in ${Math.ceil((backoff.until - now) / 1000)} s`;
      return undefined;
    };
  }

  private async record(type: string, key: UnitKey, message: string): Promise<void> {
    await this.ws.store.appendEvent({ type, actor: 'slipway', service: key.service, environment: key.environment, message, data: { target: key.target } });
  }
}

function describe(step: PlanStep): string {
  return step.reason;
}
