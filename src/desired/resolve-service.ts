/**
 * One service in one environment, resolved from every owner's layer: platform default →
 * environment default → service → service-in-environment, then Slipway's built-in defaults.
 * Every field knows its origin, every constraint of every layer is checked, and the
 * environment's gates (approvals, freeze windows) are collected with their origins. Pure.
 */
import { InvalidInputError, type InputIssue } from '../errors.js';
import type { ApprovalRule, Constraints, FreezeWindow, Layer } from '../inputs/index.js';
import { Service } from '../inputs/schema.js';
import { explainIssues } from '../inputs/zod-issues.js';
import { checkConstraints, type CheckContext, type SourcedConstraint, type Violation } from './constraints.js';
import { describeOrigin, leaves, merge, type Contribution, type Origin, type Precedence } from './merge.js';

/** A service as its owner wrote it, and how to find where. */
export interface ServiceSource {
  readonly name: string;
  /** The service's definition as written, before any default. */
  readonly written: unknown;
  readonly owner: string;
  /** Origin of a field, by its path inside the written service. */
  readonly origin: (path: readonly string[], precedence: Precedence) => Origin;
}

export interface EnvironmentGates {
  readonly approvals: readonly { readonly rule: ApprovalRule; readonly origin: Origin }[];
  readonly freezeWindows: readonly { readonly window: FreezeWindow; readonly origin: Origin }[];
}

export interface ServiceResolution {
  readonly service: string;
  readonly environment: string;
  /** The service for this environment; its overrides are applied, so `environments` is empty. */
  readonly spec: Service;
  /** Dotted path of every leaf of `spec` → where its value came from. */
  readonly origins: ReadonlyMap<string, Origin>;
  readonly constraints: readonly SourcedConstraint[];
  readonly gates: EnvironmentGates;
  /** Empty when the service complies with every constraint. */
  readonly violations: readonly Violation[];
}

export interface ResolveServiceInput {
  readonly service: ServiceSource;
  readonly environment: string;
  readonly layers: readonly Layer[];
  readonly targets: CheckContext['targets'];
}

/**
 * Resolves the service for the environment. Throws `InvalidInputError` when two layers of the same
 * precedence set one field differently, or when the merged service is not valid, positioned at the
 * values responsible. Constraint violations are returned, not thrown, so that all can be reported.
 */
export function resolveService(input: ResolveServiceInput): ServiceResolution {
  const { service, environment, layers } = input;
  const merged = merge([...layerContributions(layers, environment), ...serviceContributions(service, environment)]);
  const issues: InputIssue[] = merged.conflicts.map((conflict) =>
    issueAt(conflict.candidates[0]!.origin, conflict.path, `set differently by ${conflict.candidates.map((c) => `${describeOrigin(c.origin)} as ${JSON.stringify(c.value)}`).join(' and ')}; only one layer may set it`),
  );
  // A workload written empty (its image left to the source's build) has no leaf to merge: it is still there.
  const parsed = Service.safeParse({ workload: {}, ...merged.value, environments: {} });
  if (!parsed.success) {
    for (const problem of explainIssues(Service, merged.value, parsed.error.issues)) {
      const path = problem.path.map(String).join('.');
      issues.push(issueAt(nearestOrigin(merged.origins, path) ?? service.origin([], 'service'), `services.${service.name}.${path}`, problem.message));
    }
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
  const spec = parsed.data!;
  const origins = new Map(leaves(spec, []).map(({ path }) => [path.join('.'), merged.origins.get(path.join('.')) ?? builtIn]));
  const constraints = layerConstraints(layers, environment);
  const violations = checkConstraints(constraints, {
    service: service.name,
    environment,
    spec,
    originOf: (path) => origins.get(path) ?? nearestOrigin(origins, path) ?? builtIn,
    targets: input.targets,
  });
  return { service: service.name, environment, spec, origins, constraints, gates: gatesOf(constraints), violations };
}

const builtIn: Origin = { kind: 'built-in' };

function layerContributions(layers: readonly Layer[], environment: string): Contribution[] {
  return layers.flatMap((layer) => {
    const written = layer.written as { defaults?: unknown; environments?: Record<string, { defaults?: unknown }> };
    const at = (prefix: readonly string[], precedence: Precedence) => (path: readonly string[]) => layerOrigin(layer, [...prefix, ...path], precedence);
    return [
      { precedence: 'layer-default', data: written.defaults, origin: at(['defaults'], 'layer-default') },
      {
        precedence: 'layer-environment-default',
        data: written.environments?.[environment]?.defaults,
        origin: at(['environments', environment, 'defaults'], 'layer-environment-default'),
      },
    ] satisfies Contribution[];
  });
}

/** The service as written, and its override for the environment moved to the fields it overrides. */
function serviceContributions(service: ServiceSource, environment: string): Contribution[] {
  const { environments, ...base } = (service.written ?? {}) as { environments?: Record<string, { replicas?: unknown; env?: unknown; ports?: unknown }> };
  const override = environments?.[environment];
  return [
    { precedence: 'service', data: base, origin: (path) => service.origin(path, 'service') },
    {
      precedence: 'service-environment',
      data: override && { replicas: override.replicas, workload: { env: override.env, ports: override.ports } },
      origin: (path) => service.origin(['environments', environment, ...(path[0] === 'workload' ? path.slice(1) : path)], 'service-environment'),
    },
  ];
}

function layerOrigin(layer: Layer, path: readonly string[], precedence: Precedence): Origin {
  const { file, line, column } = layer.locate(path);
  return { kind: 'file', file, line, column, owner: layer.value.owner, precedence };
}

function layerConstraints(layers: readonly Layer[], environment: string): SourcedConstraint[] {
  return layers.flatMap((layer) => {
    const sourced = (constraints: Constraints | undefined, prefix: readonly string[], precedence: Precedence) =>
      Object.entries(constraints ?? {})
        .filter(([, rule]) => rule !== undefined)
        .map(([name, rule]) => ({ name, rule, origin: layerOrigin(layer, [...prefix, name], precedence) }) as SourcedConstraint);
    return [
      ...sourced(layer.value.constraints, ['constraints'], 'layer-default'),
      ...sourced(layer.value.environments[environment]?.constraints, ['environments', environment, 'constraints'], 'layer-environment-default'),
    ];
  });
}

function gatesOf(constraints: readonly SourcedConstraint[]): EnvironmentGates {
  return {
    approvals: constraints.filter((c) => c.name === 'approvals').map((c) => ({ rule: c.rule as ApprovalRule, origin: c.origin })),
    freezeWindows: constraints
      .filter((c) => c.name === 'freezeWindows')
      .flatMap((c) => (c.rule as FreezeWindow[]).map((window) => ({ window, origin: c.origin }))),
  };
}

/** The origin of `path`, or of the closest field above or below it that has one. */
function nearestOrigin(origins: ReadonlyMap<string, Origin>, path: string): Origin | undefined {
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const found = origins.get(p);
    if (found) return found;
  }
  for (const [key, origin] of origins) if (key.startsWith(`${path}.`)) return origin;
  return undefined;
}

function issueAt(origin: Origin, path: string, message: string): InputIssue {
  if (origin.kind === 'file') return { file: origin.file, line: origin.line, column: origin.column, path, message };
  return { file: origin.kind === 'release' ? `release ${origin.release}` : 'slipway', line: 1, column: 1, path, message };
}
