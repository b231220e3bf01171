/**
 * A Score workload file (`score.dev/v1b1`), checked exactly as the Score specification's JSON
 * Schema (`score-v1b1.json`) checks it, in both directions: what it accepts parses, what it
 * refuses is refused, each rule with a message that says what was expected. Keys are as the
 * schema names them; no object takes unknown keys except `metadata` (of the workload and of a
 * resource) and `params`. Files and volumes are accepted in the list form and in the map form
 * keyed by target path. Nothing here says what Slipway can run: `load.ts` then refuses what no
 * HTTP client can send, and `convert.ts` what a runtime cannot honour.
 */
import { z } from 'zod';

/** RFC 1123 label, as Score names workloads, containers, ports, resources and `before` entries. */
export const ScoreLabel = z.string().regex(/^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/, 'a name of 2 to 63 lower-case letters, digits and "-", not starting or ending with "-"');

const DNS_LABEL = '[a-z0-9][a-z0-9-]{0,61}[a-z0-9]';
const AnnotationName = z
  .string()
  .max(316, 'an annotation name of at most 316 characters')
  .regex(new RegExp(`^((${DNS_LABEL})(\\.${DNS_LABEL})*/)?[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$`), 'an annotation name such as example.com/my-key');
const Annotations = z.record(AnnotationName, z.string());

const Port = z.number().int().min(1).max(65535);

/** Memory as Score writes it: `512Mi`, `1.5Gi`, `0.5G`, `1Pi`, `2E` (as text). `desired/quantities.ts` reads it. */
export const ScoreMemory = z
  .string()
  .regex(/^(0\.\d+|[1-9]\d*(\.\d+)?)(K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'a memory size as text, such as "512Mi", "1.5Gi" or "0.5G" (units K, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)');
/** CPUs as Score writes them: `2`, `0.5`, `250m` (as text; `.5` needs its leading 0). */
export const ScoreCpu = z.string().regex(/^\d+(?:m|\.\d+)?$/, 'CPUs as text, such as "2", "0.5" or "250m"');
const ResourceAmounts = z.strictObject({ memory: ScoreMemory.optional(), cpu: ScoreCpu.optional() });

const CONTENT_KEYS = ['content', 'source', 'binaryContent'] as const;

/** The fields of a file, in either form. */
const fileFields = {
  mode: z.string().regex(/^0?[0-7]{3}$/, 'an octal file mode as text, such as "0600" or "644"').optional(),
  source: z.string().min(1).optional(),
  content: z.string().optional(),
  binaryContent: z.string().optional(),
  noExpand: z.boolean().optional(),
};

/** Exactly one of content, source and binaryContent (the schema's `oneOf`), told on the file. */
function withOneContent<T extends z.ZodType<Partial<Record<(typeof CONTENT_KEYS)[number], unknown>>>>(file: T): T {
  return file.check((ctx) => {
    const given = CONTENT_KEYS.filter((key) => ctx.value[key] !== undefined);
    if (given.length === 1) return;
    const message =
      given.length === 0 ? 'a file needs its content: give one of content, source or binaryContent' : `give only one of content, source or binaryContent (this file has ${given.join(' and ')})`;
    ctx.issues.push({ code: 'custom', message, input: ctx.value });
  }) as T;
}

/** A key the map form takes from its map key: refused inside the entry. */
function keyedByTarget(kind: string) {
  return z.custom<never>(() => false, `the map key is the ${kind}'s target path; remove target here (or write ${kind}s as a list)`).optional();
}

/** A file in the list form, where `target` names where it goes (deprecated, and optional in the schema). */
const ListFile = withOneContent(z.strictObject({ target: z.string().min(1).optional(), ...fileFields }));
/** A file in the map form, keyed by target path. */
const MapFile = withOneContent(z.strictObject({ target: keyedByTarget('file'), ...fileFields }));
export type ScoreFile = z.infer<typeof ListFile>;

const volumeFields = { source: z.string(), path: z.string().optional(), readOnly: z.boolean().optional() };
const ListVolume = z.strictObject({ target: z.string().optional(), ...volumeFields });
const MapVolume = z.strictObject({ target: keyedByTarget('volume'), ...volumeFields });
export type ScoreVolume = z.infer<typeof ListVolume>;

/** An HTTP probe: GET `path` on `port` of the workload (or `host`), with `httpHeaders`. */
export const ScoreHttpProbe = z.strictObject({
  host: z.string().min(1).optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).optional(),
  path: z.string(),
  port: Port,
  httpHeaders: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a header name of letters, digits, "-" and "_"'), value: z.string().min(1) })).optional(),
});

/** A probe: HTTP, a command, both (an implementation may choose) or neither. */
const Probe = z.strictObject({
  httpGet: ScoreHttpProbe.optional(),
  exec: z.strictObject({ command: z.array(z.string()) }).optional(),
});

export const ScoreContainer = z.strictObject({
  /** An image reference, or `.`: the artifact this workload's directory builds. */
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  variables: z.record(z.string().min(1).regex(/^[^=]+$/, 'a variable name without "="'), z.string()).optional(),
  files: z.union([z.array(ListFile), z.record(z.string(), MapFile)]).optional(),
  volumes: z.union([z.array(ListVolume), z.record(z.string(), MapVolume)]).optional(),
  /** Containers of this workload and the state each must reach before the next are started. */
  before: z.record(ScoreLabel, z.strictObject({ ready: z.enum(['started', 'healthy', 'complete']) })).optional(),
  resources: z.strictObject({ limits: ResourceAmounts.optional(), requests: ResourceAmounts.optional() }).optional(),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
});
export type ScoreContainer = z.infer<typeof ScoreContainer>;

const ResourceType = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/, 'a name of 2 to 63 letters, digits and "-", not starting or ending with "-"');

export const ScoreResource = z.strictObject({
  type: ResourceType,
  class: ResourceType.optional(),
  /** Resources with the same type, class and id are one resource, shared by the workloads that name it. */
  id: z
    .string()
    .min(2, 'an id of 2 to 63 characters')
    .max(63, 'an id of 2 to 63 characters')
    .regex(/^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$/, 'an id of 2 to 63 characters: lower-case labels of letters, digits and "-", separated by "."')
    .optional(),
  metadata: z.looseObject({ annotations: Annotations.optional() }).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type ScoreResource = z.infer<typeof ScoreResource>;

export const ScoreWorkload = z.strictObject({
  apiVersion: z.literal('score.dev/v1b1'),
  /** `name` and `annotations` are checked; any other key is kept, for `${metadata.…}` placeholders. */
  metadata: z.looseObject({ name: ScoreLabel, annotations: Annotations.optional() }),
  service: z.strictObject({ ports: z.record(ScoreLabel, z.strictObject({ port: Port, protocol: z.enum(['TCP', 'UDP']).optional(), targetPort: Port.optional() })).optional() }).optional(),
  containers: z.record(ScoreLabel, ScoreContainer).refine((containers) => Object.keys(containers).length > 0, { message: 'expected at least one container' }),
  resources: z.record(ScoreLabel, ScoreResource).optional(),
});
export type ScoreWorkload = z.infer<typeof ScoreWorkload>;
