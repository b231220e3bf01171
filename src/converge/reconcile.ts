/**
 * The reconcile loop's one pass: level-based, keyed by (service, environment, target). Desired is
 * the release each environment last accepted: that of its newest deployment that succeeded, or
 * that failed only because hosts could not be reached (its release passed its gates and runs ready
 * on every host that could be reached, so the hosts that were cut off are behind, not the others
 * ahead); never a release whose deployment failed for any other reason. Observed is what the
 * runtimes report. A missing, crashed, scaled or drifted unit is corrected, and so is one the
 * runtime reports `missing` or `degraded` while its release and configuration are the desired ones
 * (a container removed by hand, a host that was unreachable); a new target gets every service; a
 * target that fails is retried with backoff. It stands aside where a rollout or a deployment is in
 * progress and where a person paused it.
 */
import type { DesiredUnit, ObservedUnit, UnitKey } from '../desired/types.js';
import { sortUnits, unitId } from '../desired/types.js';
import { plan, stepKey, type PlanStep } from '../planner/index.js';
import { errorMessage } from '../errors.js';
import type { Project } from '../inputs/index.js';
import { materialize, newestDeployments, unitsOf, type Drift, type Workspace } from '../engine/index.js';
import { Redactor } from '../secrets/index.js';
import type { DeploymentHead } from '../store/index.js';

export type { Drift } from '../engine/index.js';

export interface ReconcileOptions {
  readonly now?: () => Date;
  /** First retry delay for a target that failed; doubles to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * A desired state and what it was resolved from: the project, the accepted deployments (the same
 * array while the audit log stands still), and the units of each (release, environment) — a
 * release is immutable, so for the same project they are the same units.
 */
interface Desired {
  readonly project?: Project;
  readonly accepted?: readonly DeploymentHead[];
  readonly byRelease: ReadonlyMap<string, readonly DesiredUnit[]>;
  readonly units: ReadonlyMap<string, DesiredUnit>;
  /** `units` in `compareUnitKeys` order, so that the planner need not sort them. */
  readonly sorted: readonly DesiredUnit[];
}

export class Reconciler {
  readonly #since = new Map<string, Date>();
  readonly #backoff = new Map<string, { until: number; delay: number }>();
  readonly #now: () => Date;
  /** The desired state of the last pass. */
  #desired: Desired = { byRelease: new Map(), units: new Map(), sorted: [] };

  constructor(
    private readonly ws: Workspace,
    private readonly options: ReconcileOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
  }

  /** What differs now, without changing anything. */
  async drift(): Promise<Drift[]> {
    return this.asDrift((await this.compare()).differences);
  }

  /** Observes, compares and corrects every unit that may be corrected; returns what differs after. Never throws for one unit. */
  async reconcile(): Promise<Drift[]> {
    const { differences, desired } = await this.compare();
    let corrected = false;
    for (const { key, difference, heldBack } of differences) {
      if (heldBack) continue;
      const unit = desired.get(unitId(key));
      if (!unit) continue;
      await this.correct(unit, difference);
      corrected = true;
    }
    return corrected ? this.drift() : this.asDrift(differences);
  }

  private asDrift(differences: readonly { key: UnitKey; difference: string; heldBack?: string }[]): Drift[] {
    return differences.map(({ key, difference, heldBack }) => ({ ...key, difference, since: this.#since.get(unitId(key)) ?? this.#now(), ...(heldBack && { heldBack }) }));
  }

  /**
   * Applies `unit` in its (service, environment)'s turn, unless a deployment, a rollout or a pause
   * came between the comparison and the turn: then the next pass compares again.
   */
  private correct(unit: DesiredUnit, difference: string): Promise<void> {
    return this.ws.changing(unit.service, unit.environment, async () => {
      if (await this.stillOwed(unit)) await this.apply(unit, difference);
    });
  }

  /** Whether `unit` is still the release its environment accepted last, with nobody else owning it. */
  private async stillOwed(unit: DesiredUnit): Promise<boolean> {
    const [accepted, newest] = await Promise.all([newestDeployments(this.ws.store, ['succeeded', 'partial']), newestDeployments(this.ws.store)]);
    if ((await this.heldBack(deployingOf(newest)))(unit)) return false;
    return accepted.find((d) => pairKey(d) === pairKey(unit))?.releaseId === unit.release.id;
  }

  private async apply(unit: DesiredUnit, difference: string): Promise<void> {
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
  private async compare(): Promise<{ differences: { key: UnitKey; difference: string; heldBack?: string }[]; desired: ReadonlyMap<string, DesiredUnit> }> {
    const [accepted, newest] = await Promise.all([newestDeployments(this.ws.store, ['succeeded', 'partial']), newestDeployments(this.ws.store)]);
    const deploying = deployingOf(newest);
    const { units: desired, sorted } = await this.desired(accepted);
    const observed = await this.observe();
    const steps = plan({ units: sorted }, { units: observed }).steps.filter((step) => step.kind !== 'remove');
    const stepped = new Set(steps.map((s) => unitId(stepKey(s))));
    const byId = new Map(observed.map((u) => [unitId(u), u]));
    const drifted = observed.filter((u) => u.drift?.length && desired.has(unitId(u)) && !stepped.has(unitId(u)));
    const unwell = observed.filter((u) => (u.health === 'missing' || u.health === 'degraded') && desired.has(unitId(u)) && !stepped.has(unitId(u)) && !u.drift?.length);
    const differences = [
      ...steps.map((step) => ({ key: stepKey(step), difference: describe(step) + notReady(byId.get(unitId(stepKey(step)))) })),
      ...drifted.map((u) => ({ key: u as UnitKey, difference: `changed by hand: ${u.drift!.map((d) => `${d.path} ${d.change}`).join(', ')}` })),
      ...unwell.map((u) => ({
        key: u as UnitKey,
        difference: (u.health === 'missing' ? `${u.service} is not running in ${u.environment} on ${u.target}` : `${u.service} in ${u.environment} on ${u.target} is degraded`) + notReady(u),
      })),
    ];
    const held = await this.heldBack(deploying);
    const now = this.#now();
    for (const { key } of differences) if (!this.#since.has(unitId(key))) this.#since.set(unitId(key), now);
    const differing = new Set(differences.map(({ key }) => unitId(key)));
    for (const id of [...this.#since.keys()]) if (!differing.has(id)) this.#since.delete(id);
    return { differences: differences.map((d) => ({ ...d, ...(held(d.key) && { heldBack: held(d.key) }) })), desired };
  }

  /** Every target's units, the targets observed side by side; a target that cannot be observed contributes none and is backed off. */
  private async observe(): Promise<ObservedUnit[]> {
    const observed = await Promise.all(
      [...this.ws.runtimes].map(async ([target, runtime]) => {
        try {
          return (await this.ws.observations.observe(target, runtime)).units;
        } catch {
          this.#backoff.set(target, { until: this.#now().getTime() + (this.options.backoffMs ?? 1000), delay: this.options.backoffMs ?? 1000 });
          return [];
        }
      }),
    );
    return observed.flat();
  }

  /** The units every (service, environment) of the project is to run: those of the release it accepted last. */
  private async desired(accepted: readonly DeploymentHead[]): Promise<Desired> {
    const project = this.ws.project;
    const last = this.#desired.project === project ? this.#desired : undefined;
    if (last?.accepted === accepted) return last;
    const acceptedRelease = new Map(accepted.map((d) => [pairKey(d), d.releaseId]));
    const byRelease = new Map<string, readonly DesiredUnit[]>();
    const units = new Map<string, DesiredUnit>();
    for (const service of Object.keys(project.spec.services)) {
      for (const environment of Object.keys(project.spec.environments)) {
        const releaseId = acceptedRelease.get(pairKey({ service, environment }));
        if (!releaseId) continue;
        const key = `${releaseId}\0${environment}`;
        const resolved = last?.byRelease.get(key) ?? (await this.unitsOf(releaseId, environment));
        byRelease.set(key, resolved);
        for (const unit of resolved) units.set(unitId(unit), unit);
      }
    }
    this.#desired = { project, accepted, byRelease, units, sorted: sortUnits(units.values()).sorted };
    return this.#desired;
  }

  /** The units a release becomes in `environment`; none when it no longer meets a constraint there (nothing to converge towards until a person acts). */
  private async unitsOf(releaseId: string, environment: string): Promise<readonly DesiredUnit[]> {
    const release = await this.ws.store.getRelease(releaseId);
    try {
      return release ? unitsOf(this.ws, release, environment) : [];
    } catch {
      return [];
    }
  }

  /** Why a unit must be left alone now, if it must. */
  private async heldBack(deploying: ReadonlyMap<string, string>): Promise<(key: UnitKey) => string | undefined> {
    const active = await this.ws.store.listPromotions({ active: true });
    const paused = await this.ws.store.listConvergencePauses();
    const now = this.#now().getTime();
    return (key) => {
      const pause = paused.find((p) => p.service === key.service && p.environment === key.environment);
      if (pause) return `paused by ${pause.actor}${pause.reason ? `: ${pause.reason}` : ''}`;
      const rollout = active.find((p) => p.service === key.service && ['deploying', 'verifying', 'rolling-back'].includes(p.environments[key.environment]?.phase ?? ''));
      if (rollout) return `a rollout of ${rollout.version} owns it`;
      const deployment = deploying.get(`${key.service}\0${key.environment}`);
      if (deployment) return `a deployment of ${deployment} owns it`;
      const backoff = this.#backoff.get(key.target);
      if (backoff && backoff.until > now) return `${key.target} failed; retrying in ${Math.ceil((backoff.until - now) / 1000)} s`;
      return undefined;
    };
  }

  private async record(type: string, key: UnitKey, message: string): Promise<void> {
    await this.ws.store.appendEvent({ type, actor: 'slipway', service: key.service, environment: key.environment, message, data: { target: key.target } });
  }
}

/** The version a deployment in progress is taking each (service, environment) to, by `pairKey`. */
function deployingOf(newest: readonly DeploymentHead[]): ReadonlyMap<string, string> {
  return new Map(newest.filter((d) => d.status === 'pending' || d.status === 'running').map((d) => [pairKey(d), d.version]));
}

/** One string per (service, environment). */
function pairKey(pair: { service: string; environment: string }): string {
  return `${pair.service}\0${pair.environment}`;
}

function describe(step: PlanStep): string {
  return step.reason;
}

/** `; not ready: <instance> (<state or message>), …` for a unit with instances that are not ready, else empty. */
function notReady(unit: ObservedUnit | undefined): string {
  const troubled = unit?.instances.filter((i) => i.state !== 'ready' && i.state !== 'starting') ?? [];
  return troubled.length ? `; not ready: ${troubled.map((i) => `${i.id} (${i.message ?? i.state})`).join(', ')}` : '';
}
