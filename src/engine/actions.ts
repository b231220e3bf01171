/**
 * What a person can do to a service in an environment right now, and what each action would do:
 * the confirmation a Deploy, Promote, Approve, Reject or Rollback button shows before it acts,
 * or why the button is disabled. Reads only; roles are the server's business (`server/access.ts`).
 */
import { compliantService } from '../desired/index.js';
import { NotFoundError } from '../errors.js';
import { formatStep } from '../planner/format.js';
import { preview } from './preview.js';
import type { ApprovalRule } from '../inputs/index.js';
import { decisionRefusal, isSettled, type Promotion } from './promotion/index.js';
import { previousRelease } from './promotions.js';
import { environmentTargets } from './units.js';
import type { Workspace } from './workspace.js';

export type ActionName = 'deploy' | 'promote' | 'approve' | 'reject' | 'rollback';

export interface ActionChoice {
  readonly action: ActionName;
  /** Why it cannot be done now, in words; absent when it can. */
  readonly blocked?: string;
  /** What it would do, one line per step, in words. */
  readonly plan: readonly string[];
  /** The body to send to the action's route to do exactly this; absent when blocked. */
  readonly request?: Readonly<Record<string, unknown>>;
}

/** Who asks, as far as a decision's gate is concerned: their name and the groups their token gives them. */
export interface Caller {
  readonly name: string;
  readonly groups: readonly string[];
}

/** Every action on `service` in `environment`, in button order. `caller` is who would act (for approvals). */
export async function actionsFor(ws: Workspace, service: string, environment: string, caller?: Caller): Promise<ActionChoice[]> {
  if (!ws.project.spec.services[service]) throw new NotFoundError('service', service);
  const targets = environmentTargets(ws, environment);
  const gates = compliantService(ws.project, service, environment).gates;
  const rules = gates.approvals.map((a) => a.rule);
  const gateLines = [
    ...gates.approvals.map((a) => `waits for ${a.rule.count} approval${a.rule.count === 1 ? '' : 's'}${a.rule.groups.length ? ` from ${a.rule.groups.join(' or ')}` : ''}`),
    ...gates.freezeWindows.map(() => 'waits while a freeze window is open'),
  ];
  const current = await ws.store.currentRelease(service, environment);
  const active = await ws.store.listPromotions({ service, active: true });
  const waiting = active.find((p) => p.environments[environment]?.phase === 'gated');
  return [
    await deployChoice(ws, service, environment, gateLines),
    await promoteChoice(ws, service, environment, current?.version, gateLines, targets, active),
    decisionChoice(true, service, environment, waiting, caller, rules),
    decisionChoice(false, service, environment, waiting, caller, rules),
    await rollbackChoice(ws, service, environment, current?.version),
  ];
}

async function deployChoice(ws: Workspace, service: string, environment: string, gateLines: string[]): Promise<ActionChoice> {
  if (gateLines.length) return { action: 'deploy', blocked: `${environment} is gated (it ${gateLines.join(' and ')}): releases enter it by promotion`, plan: [] };
  const { workload, source } = ws.project.spec.services[service]!;
  if (source && !source.build.commands && !workload.image) return { action: 'deploy', blocked: `${service}'s image is built from its source: build a tag (slipway build ${service}), and its release is promoted`, plan: [] };
  const { steps } = await preview(ws, environment, service);
  if (!steps.length) return { action: 'deploy', blocked: `${service} in ${environment} already runs what the project file says`, plan: [] };
  return { action: 'deploy', plan: steps.map(formatStep), request: { service, environment } };
}

async function promoteChoice(ws: Workspace, service: string, environment: string, current: string | undefined, gateLines: string[], targets: readonly string[], active: readonly Promotion[]): Promise<ActionChoice> {
  const sources = ws.project.spec.environments[environment]!.promotesFrom;
  if (!sources.length) return { action: 'promote', blocked: `${environment} promotes from no environment: deploy into it`, plan: [] };
  const candidates = await Promise.all(sources.map(async (source) => ({ source, release: await ws.store.currentRelease(service, source) })));
  const from = candidates.find((c) => c.release);
  if (!from?.release) return { action: 'promote', blocked: `${service} has no release in ${sources.join(' or ')} to promote`, plan: [] };
  const version = from.release.version;
  if (version === current) return { action: 'promote', blocked: `${environment} already runs ${version}, the release in ${from.source}`, plan: [] };
  const underway = active.find((p) => p.version === version && p.environments[environment] && !isSettled(p.environments[environment]!.phase));
  if (underway) return { action: 'promote', blocked: `${version} is already on its way into ${environment}: ${underway.environments[environment]!.message}`, plan: [] };
  const spec = ws.project.spec.environments[environment]!;
  return {
    action: 'promote',
    plan: [
      `promote ${service} ${version} (the release in ${from.source}) into ${environment}${current ? `, replacing ${current}` : ''}`,
      ...gateLines.map((line) => `it ${line}`),
      `roll out to ${targets.join(', ')}${spec.verification ? ', then verify' : ''}${spec.soakSeconds ? `, then soak ${spec.soakSeconds} s` : ''}`,
      'on failure the release that ran before runs again',
    ],
    request: { service, environment, version },
  };
}

function decisionChoice(approved: boolean, service: string, environment: string, waiting: Promotion | undefined, caller: Caller | undefined, rules: readonly ApprovalRule[]): ActionChoice {
  const action = approved ? 'approve' : 'reject';
  if (!waiting) return { action, blocked: `no promotion of ${service} waits at ${environment}`, plan: [] };
  const refusal = caller && decisionRefusal(rules, { ...caller, actor: caller.name, approved }, waiting.createdBy, environment);
  if (refusal) return { action, blocked: refusal, plan: [] };
  const what = `${service} ${waiting.version} into ${environment}`;
  const plan =
    action === 'approve'
      ? [`approve ${what} (promotion started by ${waiting.createdBy})`, `now: ${waiting.environments[environment]!.message}`, 'once every gate is satisfied it rolls out']
      : [`reject ${what} (promotion started by ${waiting.createdBy})`, `the promotion stops; what runs in ${environment} keeps running`];
  return { action, plan, request: { service, environment, approved: action === 'approve' } };
}

async function rollbackChoice(ws: Workspace, service: string, environment: string, current: string | undefined): Promise<ActionChoice> {
  const previous = await previousRelease(ws, service, environment);
  if (!previous) return { action: 'rollback', blocked: `${service} has no earlier release in ${environment} to roll back to`, plan: [] };
  return { action: 'rollback', plan: [`put ${service} ${previous.version} back into ${environment}${current ? `, replacing ${current}` : ''}`], request: { service, environment } };
}
