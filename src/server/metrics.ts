/**
 * `/metrics` in the Prometheus text format (0.0.4), written by hand: requests served by this
 * process, deployments by outcome (counted from the audit log, so they survive restarts), drift,
 * and releases on their way into an environment.
 */
import type { Operations } from '../engine/index.js';
import { eventsAfter } from './event-feed.js';

const OUTCOMES: Readonly<Record<string, string>> = { 'deployment.succeeded': 'succeeded', 'deployment.failed': 'failed' };

type Labels = Readonly<Record<string, string>>;

/** Counters of one process; `render` reads the rest from `Operations` at scrape time. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #deployments = new Map<string, number>();
  #seenSeq = 0;
  #catchingUp: Promise<void> = Promise.resolve();

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
    family(out, 'slipway_deployments_total', 'counter', 'Deployments that finished, by outcome and environment (from the audit log).', this.#deployments);
    const drift = await ops.drift().catch(() => undefined);
    if (drift) family(out, 'slipway_drift_units', 'gauge', 'Units that differ from the desired state.', new Map([['', drift.length]]));
    const status = await ops.status().catch(() => undefined);
    if (status) {
      const incoming = new Map<string, number>();
      for (const row of status) if (row.incoming) bump(incoming, key({ environment: row.environment }));
      family(out, 'slipway_incoming_releases', 'gauge', 'Releases being promoted into an environment (active promotions), by environment.', incoming);
    }
    return out.join('\n') + '\n';
  }

  async #countDeployments(ops: Operations): Promise<void> {
    for await (const event of eventsAfter(ops, this.#seenSeq)) {
      this.#seenSeq = event.seq;
      const outcome = OUTCOMES[event.type];
      if (outcome) bump(this.#deployments, key({ outcome, environment: event.environment ?? '' }));
    }
  }
}

function bump(counts: Map<string, number>, k: string): void {
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

function key(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

function family(out: string[], name: string, type: 'counter' | 'gauge', help: string, samples: ReadonlyMap<string, number>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
}
