/**
 * What Slipway writes on each container, so that everything observe() needs is read back from
 * the engine: no local state is needed to find, compare or probe a container after a restart.
 */
import { z } from 'zod';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';

const PREFIX = 'io.slipway.';

/** Label names, for engine-side filters (`label=io.slipway.target=<name>`). */
export const LABEL = {
  target: `${PREFIX}target`,
  service: `${PREFIX}service`,
  environment: `${PREFIX}environment`,
  releaseId: `${PREFIX}release`,
  releaseVersion: `${PREFIX}release-version`,
  artifactDigest: `${PREFIX}artifact-digest`,
  configHash: `${PREFIX}config-hash`,
  replica: `${PREFIX}replica`,
  generation: `${PREFIX}generation`,
  ports: `${PREFIX}ports`,
  probe: `${PREFIX}readiness-probe`,
  liveness: `${PREFIX}liveness-probe`,
  sidecar: `${PREFIX}sidecar`,
  sidecars: `${PREFIX}sidecars`,
  step: `${PREFIX}step`,
  steps: `${PREFIX}steps`,
} as const;

/**
 * A probe as the runtime runs it: GET `path` on this machine's `port` with `headers`, or
 * `exec`, a command run in the container (exit status 0 passes).
 */
export type HostProbe =
  | { readonly port: number; readonly path: string; readonly headers?: readonly { readonly name: string; readonly value: string }[]; readonly timeoutSeconds: number }
  | { readonly exec: readonly string[]; readonly timeoutSeconds: number };

/** A liveness probe as the runtime runs it: the probe, and when and how often it may fail (as in Kubernetes). */
export type LivenessProbe = HostProbe & {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
};

/** One container of a unit's replica, as its labels describe it. */
export interface InstanceLabels {
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly replica: number;
  /** Tells the old and the new container of one replica apart during an update (new = higher). */
  readonly generation: number;
  /** Port name → host port on this machine (the container listens on its `targetPort`, else on the same number). */
  readonly ports: Readonly<Record<string, number>>;
  readonly readinessProbe?: HostProbe;
  /** Probed while the container runs, by the runtime while it is open (`liveness.ts`); absent on containers created before Slipway ran them. */
  readonly livenessProbe?: LivenessProbe;
  /** The name of a further container of the replica (`workload.sidecars`), joined to the first one's network; absent for the first. */
  readonly sidecar?: string;
  /** On the first container of a replica with sidecars: the names of those that keep running, so that one removed by hand is noticed. */
  readonly sidecars?: readonly string[];
  /** On a sidecar that runs to completion (Score's `before` … `complete`): it is done once it exited with status 0. */
  readonly step?: boolean;
  /** On the first container of a replica with steps: their names, so that a replica whose steps did not all complete is replaced. */
  readonly steps?: readonly string[];
}

/** The labels of a container described by `instance`. */
export function encodeLabels(instance: InstanceLabels): Record<string, string> {
  return {
    [LABEL.target]: instance.key.target,
    [LABEL.service]: instance.key.service,
    [LABEL.environment]: instance.key.environment,
    [LABEL.releaseId]: instance.release.id,
    [LABEL.releaseVersion]: instance.release.version,
    [LABEL.artifactDigest]: instance.release.artifactDigest ?? '',
    [LABEL.configHash]: instance.configHash,
    [LABEL.replica]: String(instance.replica),
    [LABEL.generation]: String(instance.generation),
    [LABEL.ports]: JSON.stringify(instance.ports),
    ...(instance.readinessProbe ? { [LABEL.probe]: JSON.stringify(instance.readinessProbe) } : {}),
    ...(instance.livenessProbe ? { [LABEL.liveness]: JSON.stringify(instance.livenessProbe) } : {}),
    ...(instance.sidecar ? { [LABEL.sidecar]: instance.sidecar } : {}),
    ...(instance.sidecars?.length ? { [LABEL.sidecars]: JSON.stringify(instance.sidecars) } : {}),
    ...(instance.step ? { [LABEL.step]: 'true' } : {}),
    ...(instance.steps?.length ? { [LABEL.steps]: JSON.stringify(instance.steps) } : {}),
  };
}

const Count = z.coerce.number().int().min(0);
const Json = <T extends z.ZodType>(schema: T) => z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
}).pipe(schema);

const HttpHostProbe = z.strictObject({
  port: z.number().int(),
  path: z.string(),
  headers: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
  timeoutSeconds: z.number(),
});
const ExecHostProbe = z.strictObject({ exec: z.array(z.string()).min(1), timeoutSeconds: z.number() });
const Timing = { initialDelaySeconds: z.number().min(0), periodSeconds: z.number().positive(), failureThreshold: z.number().int().positive() };

const Labels = z.object({
  [LABEL.target]: z.string(),
  [LABEL.service]: z.string(),
  [LABEL.environment]: z.string(),
  [LABEL.releaseId]: z.string(),
  [LABEL.releaseVersion]: z.string(),
  [LABEL.artifactDigest]: z.string().default(''),
  [LABEL.configHash]: z.string(),
  [LABEL.replica]: Count,
  [LABEL.generation]: Count,
  [LABEL.ports]: Json(z.record(z.string(), z.number().int())),
  [LABEL.probe]: Json(z.union([HttpHostProbe, ExecHostProbe])).optional(),
  [LABEL.liveness]: Json(z.union([HttpHostProbe.extend(Timing), ExecHostProbe.extend(Timing)])).optional(),
  [LABEL.sidecar]: z.string().min(1).optional(),
  [LABEL.sidecars]: Json(z.array(z.string())).optional(),
  [LABEL.step]: z.literal('true').optional(),
  [LABEL.steps]: Json(z.array(z.string())).optional(),
});

/** Reads back what {@link encodeLabels} wrote; undefined when a label is missing or malformed. */
export function decodeLabels(labels: Readonly<Record<string, string>> | undefined): InstanceLabels | undefined {
  const parsed = Labels.safeParse(labels ?? {});
  if (!parsed.success) return undefined;
  const l = parsed.data;
  return {
    key: { service: l[LABEL.service], environment: l[LABEL.environment], target: l[LABEL.target] },
    release: { id: l[LABEL.releaseId], version: l[LABEL.releaseVersion], artifactDigest: l[LABEL.artifactDigest] || null },
    configHash: l[LABEL.configHash],
    replica: l[LABEL.replica],
    generation: l[LABEL.generation],
    ports: l[LABEL.ports],
    ...(l[LABEL.probe] ? { readinessProbe: l[LABEL.probe] } : {}),
    ...(l[LABEL.liveness] ? { livenessProbe: l[LABEL.liveness] } : {}),
    ...(l[LABEL.sidecar] ? { sidecar: l[LABEL.sidecar] } : {}),
    ...(l[LABEL.sidecars] ? { sidecars: l[LABEL.sidecars] } : {}),
    ...(l[LABEL.step] ? { step: true } : {}),
    ...(l[LABEL.steps] ? { steps: l[LABEL.steps] } : {}),
  };
}

/**
 * The engine-side filter that lists every container of `target`, or of one unit on it, or of one
 * generation of one replica of it (the first container and its sidecars).
 */
export function labelFilter(target: string, key?: Omit<UnitKey, 'target'>, generation?: Pick<InstanceLabels, 'replica' | 'generation'>): { label: string[] } {
  const label = [`${LABEL.target}=${target}`];
  if (key) label.push(`${LABEL.service}=${key.service}`, `${LABEL.environment}=${key.environment}`);
  if (key && generation) label.push(`${LABEL.replica}=${generation.replica}`, `${LABEL.generation}=${generation.generation}`);
  return { label };
}
