/**
 * A Score workload file (`score.dev/v1b1`), checked as the Score specification's JSON Schema
 * checks it: names, required fields, no unknown keys except in `metadata` (which may hold any);
 * and a probe's path, headers and host only as an HTTP client can send them (`http-fields.ts`).
 * Files and volumes are accepted in both the list form and the newer map form keyed by target.
 * What Slipway can run of it is decided later, in `convert.ts`.
 */
import { z } from 'zod';
import { HeaderName, HeaderValue, HostAddress, RequestPath } from '../http-fields.js';

/** RFC 1123 label, as Score names workloads, containers, ports and resources. */
const Label = z.string().regex(/^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/, 'a name of 2 to 63 lower-case letters, digits and "-", not starting or ending with "-"');

const Annotations = z.record(
  z.string().regex(/^(([a-z0-9][a-z0-9-]{0,61}[a-z0-9])(\.[a-z0-9][a-z0-9-]{0,61}[a-z0-9])*\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$/, 'an annotation name such as example.com/my-key'),
  z.string(),
);

const Port = z.number().int().min(1).max(65535);

/** Memory such as `512Mi` or `1G`, as Score writes it. */
const Memory = z.string().regex(/^[1-9]\d*(K|M|G|T|Ki|Mi|Gi|Ti)?$/, 'memory such as 512Mi or 1G');
/** CPUs such as `2`, `0.5`, `.5` or `250m`. (The specification's pattern also admits an empty string; that is refused.) */
const Cpu = z.string().regex(/^(\d+|\d*\.\d+|\d+m)$/, 'CPUs such as 2, 0.5 or 250m');
const ResourceAmounts = z.strictObject({ memory: Memory.optional(), cpu: Cpu.optional() });

const FileContent = {
  mode: z.string().regex(/^0?[0-7]{3}$/, 'an octal file mode such as 0600').optional(),
  source: z.string().min(1).optional(),
  content: z.string().optional(),
  binaryContent: z.string().optional(),
  noExpand: z.boolean().optional(),
};
const oneContent = (file: { source?: string; content?: string; binaryContent?: string }): boolean =>
  [file.source, file.content, file.binaryContent].filter((value) => value !== undefined).length === 1;
const ONE_CONTENT = { message: 'give exactly one of source, content or binaryContent' };
const FileEntry = z.strictObject(FileContent).refine(oneContent, ONE_CONTENT);
const FileItem = z.strictObject({ target: z.string().min(1), ...FileContent }).refine(oneContent, ONE_CONTENT);

const VolumeEntry = { source: z.string(), path: z.string().optional(), readOnly: z.boolean().optional() };

/** An HTTP probe: GET `path` on `port`. A port name is accepted as an extension (Kubernetes style). */
export const ScoreHttpProbe = z.strictObject({
  host: HostAddress.optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).optional(),
  path: RequestPath,
  port: z.union([Port, Label]),
  httpHeaders: z.array(z.strictObject({ name: HeaderName, value: HeaderValue })).optional(),
});

const Probe = z.strictObject({
  httpGet: ScoreHttpProbe.optional(),
  exec: z.strictObject({ command: z.array(z.string()) }).optional(),
});

export const ScoreContainer = z.strictObject({
  /** An image reference, or `.`: the artifact this workload's directory builds. */
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  variables: z.record(z.string().regex(/^[^=]+$/, 'a variable name without "="'), z.string()).optional(),
  files: z.union([z.array(FileItem), z.record(z.string().min(1), FileEntry)]).optional(),
  volumes: z.union([z.array(z.strictObject({ target: z.string(), ...VolumeEntry })), z.record(z.string().min(1), z.strictObject(VolumeEntry))]).optional(),
  resources: z.strictObject({ limits: ResourceAmounts.optional(), requests: ResourceAmounts.optional() }).optional(),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
});
export type ScoreContainer = z.infer<typeof ScoreContainer>;

const ResourceType = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/, 'a type of 2 to 63 letters, digits and "-"');

export const ScoreResource = z.strictObject({
  type: ResourceType,
  class: ResourceType.optional(),
  /** Resources with the same type, class and id are one resource, shared by the workloads that name it. */
  id: z.string().regex(/^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$/, 'an id of lower-case labels separated by "."').max(63).optional(),
  metadata: z.looseObject({ annotations: Annotations.optional() }).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type ScoreResource = z.infer<typeof ScoreResource>;

export const ScoreWorkload = z.strictObject({
  apiVersion: z.literal('score.dev/v1b1'),
  /** `name` and `annotations` are checked; any other key is kept, for `${metadata.…}` placeholders. */
  metadata: z.looseObject({ name: Label, annotations: Annotations.optional() }),
  service: z.strictObject({ ports: z.record(Label, z.strictObject({ port: Port, protocol: z.enum(['TCP', 'UDP']).optional(), targetPort: Port.optional() })).optional() }).optional(),
  containers: z.record(Label, ScoreContainer).refine((containers) => Object.keys(containers).length > 0, { message: 'expected at least one container' }),
  resources: z.record(Label, ScoreResource).optional(),
});
export type ScoreWorkload = z.infer<typeof ScoreWorkload>;
