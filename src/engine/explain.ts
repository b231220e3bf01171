/**
 * `slipway explain`: the resolved configuration of a service in an environment, each value with
 * who set it and where, every constraint it was checked against, and the environment's gates.
 * Values are shown as written: a `secret:` reference is shown as the reference, never resolved.
 */
import { resolveProjectService, type Origin } from '../desired/index.js';
import { leaves } from '../desired/merge.js';
import { NotFoundError } from '../errors.js';
import { environmentTargets } from './units.js';
import type { Workspace } from './workspace.js';

export interface ExplainedField {
  readonly path: string;
  readonly value: unknown;
  readonly origin: Origin;
}

export interface Explanation {
  readonly service: string;
  readonly environment: string;
  readonly owner: string;
  readonly fields: readonly ExplainedField[];
  readonly constraints: readonly { readonly name: string; readonly rule: unknown; readonly origin: Origin; readonly satisfied: boolean }[];
  readonly gates: {
    readonly approvals: readonly { readonly count: number; readonly groups: readonly string[]; readonly allowSelfApproval: boolean; readonly origin: Origin }[];
    readonly freezeWindows: readonly { readonly window: unknown; readonly origin: Origin }[];
  };
  readonly violations: readonly string[];
}

/** Explains the project file's `service` in `environment` as it is now. Reads only. */
export function explain(ws: Workspace, service: string, environment: string): Explanation {
  if (!ws.project.spec.services[service]) throw new NotFoundError('service', service);
  environmentTargets(ws, environment);
  const resolution = resolveProjectService(ws.project, service, environment);
  const broken = new Set(resolution.violations.map((v) => v.constraint + describe(v.constraintOrigin)));
  return {
    service,
    environment,
    owner: resolution.spec.owner ?? 'unknown',
    fields: leaves(resolution.spec, []).map(({ path, value }) => ({ path: path.join('.'), value, origin: resolution.origins.get(path.join('.'))! })),
    constraints: resolution.constraints.map((c) => ({ name: c.name, rule: c.rule, origin: c.origin, satisfied: !broken.has(c.name + describe(c.origin)) })),
    gates: {
      approvals: resolution.gates.approvals.map(({ rule, origin }) => ({ ...rule, origin })),
      freezeWindows: resolution.gates.freezeWindows,
    },
    violations: resolution.violations.map((v) => v.message),
  };
}

function describe(origin: Origin): string {
  return JSON.stringify(origin);
}
