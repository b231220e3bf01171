/**
 * A plan in words, the way `terraform plan` prints one: a line per step, then a summary.
 */
import type { UnitKey } from '../desired/types.js';
import type { Plan, PlanStep, PlanStepKind } from './types.js';

/**
 * One line per step, in plan order, then a blank line and the summary, e.g.
 * `+ deploy api 1.1.0 to dev@local — api is not running in dev on local` and
 * `Plan: 1 to deploy, 0 to update, 0 to scale, 0 to remove, 3 unchanged.` (repairs counted only when there are some)
 * A plan without steps prints "No changes: everything runs as desired." before the summary.
 * No trailing newline. Pure.
 */
export function formatPlan(plan: Plan): string {
  const lines = plan.steps.length ? plan.steps.map(formatStep) : ['No changes: everything runs as desired.'];
  return [...lines, '', summary(plan)].join('\n');
}

/** One step as a line: symbol, kind, what, where, and the reason after a dash. */
export function formatStep(step: PlanStep): string {
  return `${describe(step)} — ${step.reason}`;
}

function describe(step: PlanStep): string {
  switch (step.kind) {
    case 'deploy': {
      const { unit, from } = step;
      const versions = from ? `${from.version} → ${unit.release.version}` : unit.release.version;
      return `+ deploy ${unit.service} ${versions} to ${place(unit)}`;
    }
    case 'update-config':
      return `~ update-config ${step.unit.service} ${step.unit.release.version} in ${place(step.unit)}`;
    case 'scale':
      return `± scale ${step.unit.service} in ${place(step.unit)} ${step.fromReplicas} → ${step.unit.replicas}`;
    case 'repair':
      return `! repair ${step.unit.service} ${step.unit.release.version} in ${place(step.unit)}`;
    case 'remove':
      return `- remove ${step.key.service} ${step.release.version} from ${place(step.key)}`;
  }
}

function place(key: UnitKey): string {
  return `${key.environment}@${key.target}`;
}

function summary(plan: Plan): string {
  const counts: Record<PlanStepKind, number> = { deploy: 0, 'update-config': 0, scale: 0, repair: 0, remove: 0 };
  for (const step of plan.steps) counts[step.kind]++;
  return (
    `Plan: ${counts.deploy} to deploy, ${counts['update-config']} to update, ` +
    `${counts.scale} to scale, ${counts.repair ? `${counts.repair} to repair, ` : ''}${counts.remove} to remove, ${plan.unchanged.length} unchanged.`
  );
}
