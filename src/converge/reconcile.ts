/**
 * The reconcile loop's pass: for every key — a service in an environment on a target — gather
 * the facts, ask `reconcile` (`decide.ts`, pure) what differs and what to do, and do it through the
 * one apply path (`deployHeld`, a deployment of the accepted release onto that target) under the
 * (service, environment)'s lease, deciding again inside it with fresh facts, so a deployment or a
 * rollout that began after the first look is never undone. Desired is the release each environment
 * accepted last: that of its newest deployment that succeeded, or that reached every host it could
 * (`partial`).
 */
import type { DesiredUnit, ObservedUnit, Release, UnitKey } from '../desired/types.js';
import { unitId } from '../desired/types.js';
import { errorMessage, PolicyViolationError } from '../errors.js';
import type { Project } from '../inputs/index.js';
import { deployHeld, isRollingOut, newestDeployments, unitLease, unitsOf, type Drift, type Workspace } from '../engine/index.js';
import { knownDead } from '../lease/holder.js';
import type { DeploymentHead } from '../store/index.js';
import { DEFAULT_BACKOFF, reconcile, TerminalError, type BackoffPolicy, type ReconcileFacts, type ReconcileResult } from './decide.js';

export type { Drift } from '../engine/index.js';

export interface ReconcileOptions {
  readonly now?: () => Date;
  /** First retry delay after a failed correction; doubles to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** What a target runs, by unit id; or why it could not be observed. */
type Seen = { readonly units: ReadonlyMap<string, ObservedUnit> } | { readonly error: string };

/** What one pass found for one key. */
interface Finding {
  readonly key: UnitKey;
  readonly result: ReconcileResult;
}

export class Reconciler {
  readonly #since = new Map<string, Date>();
  readonly #failures = new Map<string, { count: number; lastAt: number }>();
  /** Terminal errors told once, by key, until the facts change. */
  readonly #told = new Map<string, string>();
  readonly #now: () => Date;
  readonly #backoff: BackoffPolicy;
  /** The units a release becomes in an environment, kept while the project object is the same. */
  #resolved: { project?: Project; byRelease: Map<string, readonly DesiredUnit[] | string> } = { byRelease: new Map() };
  #requeueAfterMs: number | undefined;

  constructor(
    private readonly ws: Workspace,
    options: ReconcileOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#backoff = { firstMs: options.backoffMs ?? DEFAULT_BACKOFF.firstMs, maxMs: options.maxBackoffMs ?? DEFAULT_BACKOFF.maxMs };
  }

  /** What differs now, without changing anything. */
  async drift(): Promise<Drift[]> {
    return this.asDrift(await this.look());
  }

  /**
   * Looks at every key (or those of `only`'s targets or pairs) and corrects what may be corrected;
   * returns what differs after and the soonest a key asked to be looked at again. Never throws for
   * one key.
   */
  async reconcile(only?: (key: UnitKey) => boolean): Promise<Drift[]> {
    const findings = await this.look(only);
    let acted = false;
    for (const { key } of findings.filter((f) => f.result.actions.length > 0)) {
      acted = (await this.correct(key)) || acted;
    }
    return acted ? this.asDrift(await this.look(only)) : this.asDrift(findings);
  }

  /** The soonest any key of the last look asked to be looked at again, in ms; undefined when none asked. */
  get requeueAfterMs(): number | undefined {
    return this.#requeueAfterMs;
  }

  /** Decides every key (narrowed by `only`) against facts gathered now. */
  private async look(only?: (key: UnitKey) => boolean): Promise<Finding[]> {
    const gathered = await this.gather();
    const findings: Finding[] = [];
    for (const [id, facts] of gathered.facts) {
      const key = gathered.keys.get(id)!;
      if (only && !only(key)) continue;
      const result = this.decide(key, facts);
      if (result.difference) findings.push({ key, result });
    }
    const now = this.#now();
    const differing = new Set(findings.map((f) => unitId(f.key)));
    for (const id of differing) if (!this.#since.has(id)) this.#since.set(id, now);
    for (const id of [...this.#since.keys()]) if (!differing.has(id)) this.#since.delete(id);
    const waits = findings.flatMap((f) => (f.result.requeueAfterMs === undefined ? [] : [f.result.requeueAfterMs]));
    this.#requeueAfterMs = waits.length ? Math.min(...waits) : undefined;
    return findings;
  }

  /** `reconcile`, with a terminal error told once in the audit log and reported as a difference held back. */
  private decide(key: UnitKey, facts: ReconcileFacts): ReconcileResult {
    try {
      const result = reconcile(key, facts, this.#backoff);
      this.#told.delete(unitId(key));
      return result;
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      if (this.#told.get(unitId(key)) !== error.message) {
        this.#told.set(unitId(key), error.message);
        void this.record('converge.failed', key, error.message);
      }
      return { difference: error.message, heldBack: 'a person must act: the accepted release cannot run here as it is', actions: [] };
    }
  }

  /**
   * Corrects one key under its pair's lease: gathers the facts again and decides again inside it,
   * then applies through the one apply path. True when something was done.
   */
  private correct(key: UnitKey): Promise<boolean> {
    return this.ws.executor.run(unitLease(key.service, key.environment), async () => {
      const gathered = await this.gather(key);
      const facts = gathered.facts.get(unitId(key));
      if (!facts) return false;
      const [action] = this.decide(key, facts).actions;
      if (!action) return false;
      const release = await this.ws.store.getRelease(action.unit.release.id);
      if (!release) return false;
      const outcome = await deployHeld(this.ws, { service: key.service, environment: key.environment, actor: 'slipway', release, targets: [key.target], reason: `correcting: ${action.reason}` }).catch(
        (error: unknown) => ({ result: 'failed' as const, message: errorMessage(error) }),
      );
      const failed = outcome.result === 'failed';
      const id = unitId(key);
      const before = this.#failures.get(id);
      if (failed) this.#failures.set(id, { count: (before?.count ?? 0) + 1, lastAt: this.#now().getTime() });
      else this.#failures.delete(id);
      return true;
    });
  }

  /**
   * The facts of every key (or, to correct it, of `one`'s pair only, with its target observed live),
   * gathered now. A look at every key leaves out the targets this process is applying or removing
   * something on: their keys are looked at again once the change has ended (the observe loop tells
   * of what changed), and observing them meanwhile would cost every host a channel for an answer
   * the change's end makes stale.
   */
  private async gather(one?: UnitKey): Promise<{ keys: Map<string, UnitKey>; facts: Map<string, ReconcileFacts> }> {
    const [accepted, promotions, pauses, leases] = await Promise.all([
      newestDeployments(this.ws.store, ['succeeded', 'partial']),
      this.ws.store.listPromotions({ active: true }),
      this.ws.store.listConvergencePauses(),
      this.ws.store.leases.listLeases(),
    ]);
    const holder = this.ws.executor.holder;
    const held = new Set(leases.filter((l) => l.holder !== holder && !knownDead(l.holder)).map((l) => l.key));
    const changing = (target: string) => !one && this.ws.observations.changing(target);
    const observed = await this.observe(one?.target, changing);
    const now = this.#now().getTime();
    const keys = new Map<string, UnitKey>();
    const facts = new Map<string, ReconcileFacts>();
    for (const head of accepted) {
      if (one && (head.service !== one.service || head.environment !== one.environment)) continue;
      const units = await this.unitsOf(head);
      const targets = typeof units === 'string' ? (this.ws.project.spec.environments[head.environment]?.targets ?? []) : units.map((u) => u.target);
      for (const target of targets) {
        if (one && target !== one.target) continue;
        if (!this.ws.runtimes.has(target) || changing(target)) continue;
        const key = { service: head.service, environment: head.environment, target };
        const id = unitId(key);
        const seen = observed.get(target);
        const pause = pauses.find((p) => p.service === key.service && p.environment === key.environment);
        const rollout = promotions.find((p) => p.service === key.service && isRollingOut(p.environments[key.environment]?.phase ?? 'pending'));
        const hold = pause
          ? `paused by ${pause.actor}${pause.reason ? `: ${pause.reason}` : ''}`
          : rollout
            ? `a rollout of ${rollout.version} owns it`
            : held.has(unitLease(key.service, key.environment))
              ? 'a deployment owns it'
              : undefined;
        keys.set(id, key);
        facts.set(id, {
          ...(typeof units === 'string' ? { invalid: units } : { desired: units.find((u) => u.target === target) }),
          ...(seen && 'error' in seen ? { unreachable: seen.error } : { observed: seen?.units.get(id) }),
          ...(hold && { hold }),
          selfHealing: this.ws.runtime(target).restartsInstances === true,
          failures: this.#failures.get(id) ?? { count: 0 },
          now,
        });
      }
    }
    return { keys, facts };
  }

  /**
   * What each target runs now, observed side by side; a target that cannot be observed gives why.
   * A watched target's kept observation is current (the observe loop observes it again on every
   * change it tells), so a look costs it nothing; only `target`, about to be corrected, is observed live.
   */
  private async observe(target?: string, skip: (target: string) => boolean = () => false): Promise<Map<string, Seen>> {
    const runtimes = [...this.ws.runtimes].filter(([name]) => (!target || name === target) && !skip(name));
    const seen = await Promise.all(
      runtimes.map(async ([name, runtime]): Promise<[string, Seen]> => {
        try {
          const { units } = await (target ? this.ws.observations.observe(name, runtime) : this.ws.observations.recent(name, runtime, 0));
          return [name, { units: new Map(units.map((u) => [unitId(u), u])) }];
        } catch (error) {
          return [name, { error: errorMessage(error) }];
        }
      }),
    );
    return new Map(seen);
  }

  /** The units the accepted release becomes in its environment; the violation, in words, when it breaks a constraint now. */
  private async unitsOf(head: DeploymentHead): Promise<readonly DesiredUnit[] | string> {
    if (this.#resolved.project !== this.ws.project) this.#resolved = { project: this.ws.project, byRelease: new Map() };
    const key = `${head.releaseId}\0${head.environment}`;
    const kept = this.#resolved.byRelease.get(key);
    if (kept !== undefined) return kept;
    const release: Release | undefined = await this.ws.store.getRelease(head.releaseId);
    let units: readonly DesiredUnit[] | string;
    try {
      units = release && this.ws.project.spec.services[head.service] && this.ws.project.spec.environments[head.environment] ? unitsOf(this.ws, release, head.environment) : [];
    } catch (error) {
      if (!(error instanceof PolicyViolationError)) throw error;
      units = error.message;
    }
    this.#resolved.byRelease.set(key, units);
    return units;
  }

  private asDrift(findings: readonly Finding[]): Drift[] {
    return findings.map(({ key, result }) => ({
      ...key,
      difference: result.difference!,
      since: this.#since.get(unitId(key)) ?? this.#now(),
      ...(result.heldBack && { heldBack: result.heldBack }),
    }));
  }

  private async record(type: string, key: UnitKey, message: string): Promise<void> {
    await this.ws.store.appendEvent({ type, actor: 'slipway', service: key.service, environment: key.environment, message, data: { target: key.target } }).catch(() => undefined);
  }
}
