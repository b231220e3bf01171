/** Human renderings of what the operations answer. Scripts use `--json` instead. */
import type { DeployOutcome, StatusRow } from '../engine/index.js';
import type { SlipwayEvent } from '../store/index.js';
import { table } from './table.js';

/** The services × environments table of `slipway status`. */
export function formatStatus(rows: readonly StatusRow[]): string {
  return table(
    ['SERVICE', 'ENVIRONMENT', 'RELEASE', 'HEALTH', 'READY', 'RESTARTS', 'ENDPOINTS'],
    rows.map((r) => [
      r.service,
      r.environment,
      releaseCell(r),
      r.health,
      r.health === 'not-deployed' ? '-' : `${r.ready}/${r.replicas}`,
      String(r.restarts),
      r.endpoints.join(' '),
    ]),
  );
}

function releaseCell(row: StatusRow): string {
  const others = row.running.filter((v) => v !== row.release);
  if (!row.release) return others.length ? others.join(',') : '-';
  return others.length ? `${row.release} (also ${others.join(',')})` : row.release;
}

/** One line per event: time, who, what. */
export function formatEvents(events: readonly SlipwayEvent[]): string {
  return table(
    ['SEQ', 'TIME', 'ACTOR', 'TYPE', 'MESSAGE'],
    events.map((e) => [String(e.seq), new Date(e.at).toISOString().replace('T', ' ').slice(0, 19), e.actor, e.type, e.message]),
  );
}

/** "api v2 in dev is ready (deployment 1f3c…)". */
export function formatOutcome(outcome: DeployOutcome): string {
  const id = outcome.deployment ? ` (deployment ${outcome.deployment.id.slice(0, 8)})` : '';
  return `${outcome.result === 'failed' ? '✗' : '✓'} ${outcome.message}${id}`;
}
