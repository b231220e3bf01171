/** Human renderings of what the operations answer. Scripts use `--json` instead. */
import type { DeployOutcome, Explanation, History, Promotion, StatusRow } from '../engine/index.js';
import type { Origin } from '../desired/index.js';
import type { FreezeWindow } from '../inputs/index.js';
import type { SlipwayEvent } from '../store/index.js';
import { table } from './table.js';

/** The services × environments table of `slipway status`. */
export function formatStatus(rows: readonly StatusRow[]): string {
  return table(
    ['SERVICE', 'ENVIRONMENT', 'RELEASE', 'HEALTH', 'READY', 'RESTARTS', 'ENDPOINTS', 'INCOMING'],
    rows.map((r) => [
      r.service,
      r.environment,
      releaseCell(r),
      r.health,
      r.health === 'not-deployed' ? '-' : `${r.ready}/${r.replicas}`,
      String(r.restarts),
      r.endpoints.join(' '),
      r.incoming ? `${r.incoming.version}: ${r.incoming.message}` : '',
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

const precedenceWords: Readonly<Record<string, string>> = {
  'layer-default': 'default',
  'layer-environment-default': 'environment default',
  service: 'service',
  'service-environment': 'service override',
};

/** "platform/defaults.yaml:4:7 · platform · default". */
function originCell(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.file.split('/').slice(-2).join('/')}:${origin.line}:${origin.column} · ${origin.owner} · ${precedenceWords[origin.precedence]}`;
    case 'release':
      return `release ${origin.release} · ${origin.owner} · ${precedenceWords[origin.precedence]}`;
    case 'built-in':
      return 'Slipway default';
  }
}

/** "security/policy.yaml:10:9 · security": where a rule lives and who owns it. */
function ownerCell(origin: Origin): string {
  return origin.kind === 'file' ? `${origin.file.split('/').slice(-2).join('/')}:${origin.line}:${origin.column} · ${origin.owner}` : originCell(origin);
}

function ruleText(rule: unknown): string {
  if (Array.isArray(rule)) return rule.map((r) => (typeof r === 'object' && r !== null && 'name' in r ? String(r.name) : String(r))).join(', ');
  return typeof rule === 'object' ? JSON.stringify(rule) : String(rule);
}

/** "weekly Fri 15:00 → Mon 06:00 UTC (weekend)". */
export function windowText(window: FreezeWindow): string {
  return 'weekly' in window ? `weekly ${window.weekly.from} → ${window.weekly.to} UTC (${window.name})` : `${window.from} → ${window.to} (${window.name})`;
}

/** `slipway explain`: every value with who set it, then constraints and gates. */
export function formatExplanation(e: Explanation): string {
  const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const parts = [
    `${e.service} in ${e.environment} (owner ${e.owner})`,
    '',
    table(['FIELD', 'VALUE', 'SET BY'], e.fields.map((f) => [f.path, value(f.value), originCell(f.origin)])),
  ];
  if (e.constraints.length) {
    parts.push('', table(['CONSTRAINT', 'RULE', 'OWNED BY', 'RESULT'], e.constraints.map((c) => [c.name, ruleText(c.rule), ownerCell(c.origin), c.satisfied ? 'ok' : 'VIOLATED'])));
  }
  const gates = [
    ...e.gates.approvals.map((a) => `waits for ${a.count} approval${a.count === 1 ? '' : 's'}${a.groups.length ? ` from group ${a.groups.join(' or ')}` : ''} (${ownerCell(a.origin)})`),
    ...e.gates.freezeWindows.map((f) => `frozen ${windowText(f.window as FreezeWindow)} (${ownerCell(f.origin)})`),
  ];
  if (gates.length) parts.push('', 'GATES', ...gates.map((g) => `  ${g}`));
  if (e.violations.length) parts.push('', 'VIOLATIONS', ...e.violations.map((v) => `  ${v}`));
  return parts.join('\n');
}

/** "api v2: waiting — prod: waiting for 1 approval from group sre" and a line per environment. */
export function formatPromotion(p: Promotion): string {
  const lines = Object.entries(p.environments).map(([env, progress]) => `  ${env.padEnd(12)} ${progress.phase.padEnd(12)} ${progress.message}`);
  return [`${p.service} ${p.version}: ${p.status} — ${p.message} (promotion ${p.id.slice(0, 8)}, started by ${p.createdBy})`, ...lines].join('\n');
}

/** Promotions, then deployments. */
export function formatHistory(h: History): string {
  const promotions = h.promotions.map(formatPromotion).join('\n\n') || 'no promotions';
  const deployments = table(
    ['WHEN', 'ENVIRONMENT', 'STATUS', 'BY', 'MESSAGE'],
    h.deployments.map((d) => [new Date(d.createdAt).toISOString().replace('T', ' ').slice(0, 19), d.environment, d.status, d.createdBy, d.message]),
  );
  return `PROMOTIONS\n${promotions}\n\nDEPLOYMENTS\n${deployments}`;
}
