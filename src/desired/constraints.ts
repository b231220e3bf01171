/**
 * Checking a resolved service against the constraints of every layer. Pure. Each violation names
 * the value, where it was set and by whom, the constraint, where it lives and who owns it.
 */
import type { Constraints } from '../inputs/layer-schema.js';
import type { Service } from '../inputs/schema.js';
import { describeOrigin, type Origin } from './merge.js';
import { cpuCores, memoryBytes } from './quantities.js';

/** A constraint as one layer wrote it, with its position and owner. */
export interface SourcedConstraint<K extends keyof Constraints = keyof Constraints> {
  readonly name: K;
  readonly rule: NonNullable<Constraints[K]>;
  readonly origin: Origin;
}

export interface Violation {
  readonly service: string;
  readonly environment: string;
  /** Dotted path of the offending field. */
  readonly path: string;
  readonly value: unknown;
  readonly setBy: Origin;
  readonly constraint: string;
  readonly constraintOrigin: Origin;
  /** The whole story in one sentence. */
  readonly message: string;
}

/** What a check needs besides the service: where its fields came from and where it runs. */
export interface CheckContext {
  readonly service: string;
  readonly environment: string;
  readonly spec: Service;
  readonly originOf: (path: string) => Origin;
  /** The environment's targets with their runtime kinds, and where each is declared. */
  readonly targets: readonly { readonly name: string; readonly runtime: string; readonly origin: Origin }[];
}

type Finding = { path: string; value: unknown; problem: string; setBy?: Origin };
type Check<K extends keyof Constraints> = (rule: NonNullable<Constraints[K]>, ctx: CheckContext) => Finding[];

const checks: { readonly [K in keyof Constraints]?: Check<K> } = {
  requiredProbes: (probes, { spec }) =>
    probes.flatMap((probe) => {
      const path = `workload.${probe}Probe`;
      return spec.workload[`${probe}Probe`] ? [] : [{ path, value: undefined, problem: `has no ${probe} probe, which is required` }];
    }),
  maxReplicas: (max, { spec }) => (spec.replicas > max ? [{ path: 'replicas', value: spec.replicas, problem: `exceeds the maximum of ${max} replica${max === 1 ? '' : 's'}` }] : []),
  maxMemory: (max, { spec }) => {
    const memory = spec.workload.limits?.memory;
    if (memory === undefined) return [{ path: 'workload.limits.memory', value: undefined, problem: `sets no memory limit, and at most ${max} is allowed` }];
    return memoryBytes(memory) > memoryBytes(max) ? [{ path: 'workload.limits.memory', value: memory, problem: `exceeds the maximum of ${max}` }] : [];
  },
  maxCpu: (max, { spec }) => {
    const cpu = spec.workload.limits?.cpu;
    if (cpu === undefined) return [{ path: 'workload.limits.cpu', value: undefined, problem: `sets no CPU limit, and at most ${max} is allowed` }];
    return cpuCores(cpu) > cpuCores(max) ? [{ path: 'workload.limits.cpu', value: cpu, problem: `exceeds the maximum of ${max} CPU` }] : [];
  },
  allowedRuntimes: (allowed, { targets }) =>
    targets
      .filter((t) => !allowed.includes(t.runtime))
      .map((t) => ({ path: `targets.${t.name}.runtime`, value: t.runtime, setBy: t.origin, problem: `is not an allowed runtime (${allowed.join(', ')})` })),
  allowedTargets: (allowed, { targets }) =>
    targets
      .filter((t) => !allowed.includes(t.name))
      .map((t) => ({ path: `targets.${t.name}`, value: t.name, setBy: t.origin, problem: `is not an allowed target (${allowed.join(', ')})` })),
  forbiddenEnv: (patterns, { spec }) =>
    Object.keys(spec.workload.env)
      .filter((name) => patterns.some((pattern) => globMatches(pattern, name)))
      .map((name) => ({ path: `workload.env.${name}`, value: name, problem: `is a forbidden environment variable (${patterns.join(', ')})` })),
};

/** Every violation of `constraints` by the service in `ctx`; empty when it complies. */
export function checkConstraints(constraints: readonly SourcedConstraint[], ctx: CheckContext): Violation[] {
  return constraints.flatMap((constraint) => {
    const check = checks[constraint.name] as Check<typeof constraint.name> | undefined;
    return (check?.(constraint.rule as never, ctx) ?? []).map((finding) => violation(constraint, finding, ctx));
  });
}

function violation(constraint: SourcedConstraint, finding: Finding, ctx: CheckContext): Violation {
  const setBy = finding.setBy ?? ctx.originOf(finding.path);
  const shown = finding.value === undefined ? '' : ` = ${JSON.stringify(finding.value)}`;
  const where = finding.value === undefined ? '' : ` (set in ${describeOrigin(setBy)})`;
  return {
    service: ctx.service,
    environment: ctx.environment,
    path: finding.path,
    value: finding.value,
    setBy,
    constraint: constraint.name,
    constraintOrigin: constraint.origin,
    message: `${ctx.service} in ${ctx.environment}: ${finding.path}${shown}${where} ${finding.problem}: constraint ${constraint.name} in ${describeOrigin(constraint.origin)}`,
  };
}

function globMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
