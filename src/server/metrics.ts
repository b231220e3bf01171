/**
 * `/metrics` in the Prometheus text format (0.0.4), written by hand: requests served by this
 * process; deployments by outcome and the durations of their steps (both counted from the audit
 * log, so they survive restarts); drift and how long the oldest correctable difference has
 * lasted; deployments queued; releases on their way into an environment.
 */
import { isSettled, type EnvPhase, type Operations } from '../engine/index.js';
import { eventsAfter } from './event-feed.js';

const OUTCOMES: Readonly<Record<string, string>> = { 'deployment.succeeded': 'succeeded', 'deployment.partial': 'partial', 'deployment.failed': 'failed' };

/** Upper bounds (seconds) of the step duration buckets: a null step takes milliseconds, an SSH rollout minutes. */
const STEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

type Labels = Readonly<Record<string, string>>;

/** Counters of one process; `render` reads the rest from `Operations` at scrape time. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #deployments = new Map<string, number>();
  readonly #stepDurations = new Histogram(STEP_BUCKETS);
  #seenSeq = 0;
  #catchingUp: Promise<void> = Promise.resolve();

  /** `now` in milliseconds since the epoch, for the convergence lag. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one answered request. `route` is the route's template, never the raw URL (bounded labels). */
  countRequest(method: string, route: string, status: number): void {
    bump(this.#requests, key({ method, route, status: String(status) }));
  }

  /** The exposition text. Reads new events since the last scrape; a metric whose source fails is left out. */
  async render(ops: Operations): Promise<string> {
    // Scrapes that overlap read the log one after the other, so no event is counted twice.
    this.#catchingUp = this.#catchingUp.catch(() => undefined).then(() => this.#countDeployments(ops));
    await this.#catchingUp;
    const out: string[] = [];
    family(out, 'slipway_http_requests_total', 'counter', 'HTTP requests answered by this server, by route template and status.', this.#requests);
    family(out, 'slipway_deployments_total', 'counter', 'Deployments that finished, by outcome (succeeded, partial, failed) and environment (from the audit log).', this.#deployments);
    this.#stepDurations.render(
      out,
      'slipway_deployment_step_duration_seconds',
      'How long each journaled deployment step took (deploy, update-config, scale, repair, remove, provision), by kind; counted once when its deployment finishes (from the audit log).',
    );
    const drift = await ops.drift().catch(() => undefined);
    if (drift) {
      family(out, 'slipway_drift_units', 'gauge', 'Units that differ from the desired state.', new Map([['', drift.length]]));
      const free = drift.filter((d) => !d.heldBack).map((d) => new Date(d.since).getTime());
      const lag = free.length ? Math.max(0, this.now() - Math.min(...free)) / 1000 : 0;
      family(
        out,
        'slipway_convergence_lag_seconds',
        'gauge',
        'Seconds since the oldest difference from the desired state that the reconcile loop is free to correct (not paused, not owned by a rollout or deployment, its target not backing off) was first seen by this process; 0 when there is none.',
        new Map([['', lag]]),
      );
    }
    const status = await ops.status().catch(() => undefined);
    const environments = [...new Set(status?.map((row) => row.environment))];
    const queued = await ops.queuedDeployments().catch(() => undefined);
    if (queued) {
      const byEnvironment = zeroes(environments);
      for (const q of queued) bump(byEnvironment, key({ environment: q.environment }), q.waiting);
      family(
        out,
        'slipway_queued_deployments',
        'gauge',
        'Deployments and rollbacks waiting for an earlier one of the same service and environment to finish, by environment. One that hangs holds its queue: alert when this stays above 0.',
        byEnvironment,
      );
    }
    if (status) {
      const incoming = zeroes(environments);
      for (const row of status) if (row.incoming && !isSettled(row.incoming.phase as EnvPhase)) bump(incoming, key({ environment: row.environment }));
      family(out, 'slipway_incoming_releases', 'gauge', 'Releases being promoted into an environment (active promotions), by environment.', incoming);
    }
    return out.join('\n') + '\n';
  }

  async #countDeployments(ops: Operations): Promise<void> {
    for await (const event of eventsAfter(ops, this.#seenSeq)) {
      this.#seenSeq = event.seq;
      const outcome = OUTCOMES[event.type];
      if (!outcome) continue;
      bump(this.#deployments, key({ outcome, environment: event.environment ?? '' }));
      const steps = Array.isArray(event.data.steps) ? (event.data.steps as { kind?: unknown; seconds?: unknown }[]) : [];
      for (const { kind, seconds } of steps) if (typeof kind === 'string' && typeof seconds === 'number') this.#stepDurations.observe({ kind }, seconds);
    }
  }
}

/** A Prometheus histogram with fixed buckets, one series per label set. */
class Histogram {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(private readonly buckets: readonly number[]) {}

  observe(labels: Labels, value: number): void {
    const k = key(labels);
    const series = this.#series.get(k) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.#series.set(k, series);
    for (const [i, bound] of this.buckets.entries()) if (value <= bound) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  render(out: string[], name: string, help: string): void {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const [k, { labels, counts, sum, count }] of this.#series) {
      this.buckets.forEach((bound, i) => out.push(`${name}_bucket${key({ ...labels, le: String(bound) })} ${counts[i]}`));
      out.push(`${name}_bucket${key({ ...labels, le: '+Inf' })} ${count}`, `${name}_sum${k} ${sum}`, `${name}_count${k} ${count}`);
    }
  }
}

/** A 0 for each environment, so that a gauge is present before anything happens there. */
function zeroes(environments: readonly string[]): Map<string, number> {
  return new Map(environments.map((environment) => [key({ environment }), 0]));
}

function bump(counts: Map<string, number>, k: string, by = 1): void {
  counts.set(k, (counts.get(k) ?? 0) + by);
}

function key(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

function family(out: string[], name: string, type: 'counter' | 'gauge', help: string, samples: ReadonlyMap<string, number>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
}
