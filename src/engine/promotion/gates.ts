/**
 * The gates before a release enters an environment, as pure functions of data and a time:
 * approvals, freeze windows, dependencies. Each answers `undefined` when open, or the sentence
 * that says what it waits for.
 */
import type { ApprovalRule, FreezeWindow } from '../../inputs/index.js';
import type { Approval } from './types.js';

/** "waiting for 1 approval from group sre", or undefined when every rule has enough approvals. */
export function approvalsMissing(rules: readonly ApprovalRule[], approvals: readonly Approval[], startedBy: string): string | undefined {
  for (const rule of rules) {
    const counted = approvals.filter(
      (a) => a.decision === 'approved' && (rule.allowSelfApproval || a.actor !== startedBy) && (rule.groups.length === 0 || a.groups.some((g) => rule.groups.includes(g))),
    );
    const approvers = new Set(counted.map((a) => a.actor)).size;
    if (approvers < rule.count) {
      const missing = rule.count - approvers;
      const from = rule.groups.length ? ` from group ${rule.groups.join(' or ')}` : '';
      return `waiting for ${missing} approval${missing === 1 ? '' : 's'}${from}`;
    }
  }
  return undefined;
}

/** One person's decision on a promotion waiting at an environment: who, for which groups (from their token), which way. */
export interface Decision {
  readonly actor: string;
  readonly groups: readonly string[];
  readonly approved: boolean;
}

/**
 * Why `decision` may not be recorded, in words; undefined when it may. An approval must be able to
 * count for one of `rules`: not its starter's own (unless the rule allows it), and from one of the
 * rule's groups when it names any. A rejection needs the groups too, but the starter may always
 * reject (stop) their own promotion. Where no rule asks for approvals there is nothing to approve.
 */
export function decisionRefusal(rules: readonly ApprovalRule[], decision: Decision, startedBy: string, environment: string): string | undefined {
  if (rules.length === 0) return decision.approved ? `${environment} needs no approvals; nothing to approve` : undefined;
  const inGroups = (rule: ApprovalRule) => rule.groups.length === 0 || decision.groups.some((g) => rule.groups.includes(g));
  const own = decision.actor === startedBy;
  if (!decision.approved && own) return undefined;
  if (!rules.some(inGroups)) {
    const wanted = [...new Set(rules.flatMap((r) => r.groups))].join(' or ');
    const has = decision.groups.length ? `groups ${decision.groups.join(', ')}` : 'no groups';
    return `${decision.actor} has ${has}; decisions on ${environment} count only from group ${wanted}`;
  }
  if (decision.approved && own && !rules.some((rule) => inGroups(rule) && rule.allowSelfApproval)) {
    return `${decision.actor} started this promotion, and the policy does not let its starter approve it`;
  }
  return undefined;
}

/**
 * Why a release may not enter an environment yet, in words; undefined when it may. It must have
 * succeeded in every environment the environment `promotesFrom`.
 */
export function orderRefusal(release: string, environment: string, promotesFrom: readonly string[], succeededIn: ReadonlySet<string>): string | undefined {
  const missing = promotesFrom.filter((source) => !succeededIn.has(source));
  if (missing.length === 0) return undefined;
  return `${release} has not succeeded in ${missing.join(' and ')}, which ${environment} promotes from: promote it through ${missing.join(' and ')} first (an admin may override the order with a reason)`;
}

/** The rejection, if someone rejected the release for this environment. */
export function rejection(approvals: readonly Approval[]): Approval | undefined {
  return approvals.find((a) => a.decision === 'rejected');
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Minutes since Sunday 00:00 UTC of a `Fri 15:00` week time. */
function weekMinutes(text: string): number {
  const [day, time] = text.split(' ') as [string, string];
  const [h, m] = time.split(':').map(Number) as [number, number];
  return days.indexOf(day) * 1440 + h * 60 + m;
}

/** True while `at` lies in the window. Weekly windows may wrap over the weekend. */
export function inWindow(window: FreezeWindow, at: Date): boolean {
  if ('weekly' in window) {
    const now = at.getUTCDay() * 1440 + at.getUTCHours() * 60 + at.getUTCMinutes();
    const from = weekMinutes(window.weekly.from);
    const to = weekMinutes(window.weekly.to);
    return from <= to ? now >= from && now < to : now >= from || now < to;
  }
  return at >= new Date(window.from) && at < new Date(window.to);
}

/** "frozen: weekend (Fri 15:00 → Mon 06:00 UTC)", or undefined when no window is open at `at`. */
export function frozen(windows: readonly FreezeWindow[], at: Date): string | undefined {
  const open = windows.find((w) => inWindow(w, at));
  if (!open) return undefined;
  const span = 'weekly' in open ? `${open.weekly.from} → ${open.weekly.to} UTC` : `${open.from} → ${open.to}`;
  return `frozen: ${open.name} (${span}); an override with a reason lets it pass`;
}

/** Orders versions as people number them: `1.10.0` after `1.9.2`, `v3` after `v2`. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, '').split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** What a dependency needs of the environment: the versions of it that run there, healthy. */
export function dependencyMissing(dependency: { service: string; minVersion?: string }, environment: string, running: readonly string[]): string | undefined {
  const enough = running.filter((v) => !dependency.minVersion || compareVersions(v, dependency.minVersion) >= 0);
  if (enough.length > 0) return undefined;
  const atLeast = dependency.minVersion ? ` at ${dependency.minVersion} or later` : '';
  const now = running.length ? ` (runs ${running.join(', ')})` : '';
  return `waiting for ${dependency.service}${atLeast} in ${environment}${now}`;
}
