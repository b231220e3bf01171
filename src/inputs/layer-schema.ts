/**
 * A layer file: defaults and constraints owned by one team (platform, security, finance,
 * product…), listed in the project file's `layers`. Defaults may be overridden by a more specific
 * layer; constraints may not be broken by anyone. `desired/` merges layers with the services.
 */
import { z } from 'zod';
import { ProvisionerSpecs } from '../provisioners/schema.js';
import { Cpu, EnvVars, HttpProbe, Label, Limits, Memory, Name } from './schema.js';

/** What a layer may set by default for services: the knobs platforms own, not a service's command. */
export const ServiceDefaults = z.strictObject({
  replicas: z.number().int().min(0).optional(),
  workload: z
    .strictObject({
      env: EnvVars.optional(),
      readinessProbe: HttpProbe.partial().optional(),
      livenessProbe: HttpProbe.partial().optional(),
      limits: Limits.optional(),
    })
    .optional(),
});
export type ServiceDefaults = z.infer<typeof ServiceDefaults>;

/** People who must approve a release before it enters an environment. */
export const ApprovalRule = z.strictObject({
  count: z.number().int().min(1),
  /** Approvers must belong to one of these groups; any approver when empty. */
  groups: z.array(Label).default([]),
  /** May the person who started the promotion approve it? */
  allowSelfApproval: z.boolean().default(false),
});
export type ApprovalRule = z.infer<typeof ApprovalRule>;

const WeekTime = z
  .string()
  .regex(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):[0-5]\d$/, 'a day and UTC time such as "Fri 15:00"');

/**
 * A time when no release may enter the environment. Weekly (`Fri 15:00` to `Mon 06:00`, UTC) or
 * once (ISO date-times).
 */
export const FreezeWindow = z.union([
  z.strictObject({ name: z.string().min(1), weekly: z.strictObject({ from: WeekTime, to: WeekTime }) }),
  z.strictObject({ name: z.string().min(1), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }),
]);
export type FreezeWindow = z.infer<typeof FreezeWindow>;

/** Rules nobody below the layer may break. Each is checked on every service it applies to. */
export const Constraints = z.strictObject({
  approvals: ApprovalRule.optional(),
  freezeWindows: z.array(FreezeWindow).optional(),
  requiredProbes: z.array(z.enum(['readiness', 'liveness'])).optional(),
  maxReplicas: z.number().int().min(0).optional(),
  maxMemory: Memory.optional(),
  maxCpu: Cpu.optional(),
  allowedRuntimes: z.array(z.string().min(1)).optional(),
  allowedTargets: z.array(Name).optional(),
  /** Environment variable names services may not set; `*` matches any run of characters. */
  forbiddenEnv: z.array(z.string().regex(/^[A-Za-z_*][A-Za-z0-9_*]*$/, 'a variable name, `*` as a wildcard')).optional(),
});
export type Constraints = z.infer<typeof Constraints>;

export const LayerEnvironment = z.strictObject({
  defaults: ServiceDefaults.optional(),
  constraints: Constraints.optional(),
});

export const LayerFile = z.strictObject({
  /** The team that owns this file: named in provenance and in every violation of its constraints. */
  owner: z.string().min(1),
  description: z.string().optional(),
  /** For every service in every environment. */
  defaults: ServiceDefaults.optional(),
  /** For every environment. */
  constraints: Constraints.optional(),
  environments: z.record(Name, LayerEnvironment).default({}),
  /** Resource provisioners (platform layers); checked by `provisioners/`. */
  provisioners: ProvisionerSpecs,
});
export type LayerFile = z.infer<typeof LayerFile>;
