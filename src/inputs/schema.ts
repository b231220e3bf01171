/**
 * The `slipway.yaml` project file: services, environments and targets. One zod schema is the
 * source of the TypeScript types, the runtime checks and the published JSON Schema.
 * Every object is strict: an unknown key is an error, never silently dropped.
 */
import { z } from 'zod';
import { Name, Version } from './name.js';
import { RUNTIME_MODULES, settingsSchemas } from '../runtimes/registry.js';
import { HeaderName, HeaderValue, RequestPath } from './http-fields.js';
import { Verification } from '../verification/types.js';
import { Notifications } from '../notifications/schema.js';
import { tagPatternProblem } from '../build/tags.js';
import { CPU_PATTERN, MEMORY_PATTERN, cpuProblem, memoryProblem } from '../desired/quantities.js';
import { orderProblems, READINESS } from './start-order.js';
import { workloadContainers } from './workload-containers.js';

export { Name, Version, SecretName, TokenName, Label, Note, EventType, checkName, InvalidNameError } from './name.js';

const Port = z.number().int().min(1).max(65535);

/** How often and how patiently a probe is run, as in Kubernetes. */
const probeTiming = {
  initialDelaySeconds: z.number().min(0).default(0),
  periodSeconds: z.number().positive().default(1),
  timeoutSeconds: z.number().positive().default(1),
  failureThreshold: z.number().int().positive().default(3),
};

/** A header an HTTP probe sends: a name and value an HTTP client can send. */
export const ProbeHeader = z.strictObject({ name: HeaderName, value: HeaderValue });

/** An HTTP probe, as in Kubernetes and Score: GET `path` on a named or numbered port, with `httpHeaders`. */
export const HttpProbe = z.strictObject({
  httpGet: z.strictObject({
    /** Refused here unless an HTTP client can send it: a probe that cannot be sent would fail for ever. */
    path: RequestPath.default('/'),
    /** A port name from `ports`, or a port number. */
    port: z.union([Name, Port]),
    /** Sent with every request of the probe. */
    httpHeaders: z.array(ProbeHeader).optional(),
  }),
  ...probeTiming,
});
export type HttpProbe = z.infer<typeof HttpProbe>;

/** A probe that runs a command inside the container (as Score's `exec`): exit status 0 passes. Container runtimes only. */
export const ExecProbe = z.strictObject({
  exec: z.strictObject({ command: z.array(z.string()).min(1) }),
  ...probeTiming,
});
export type ExecProbe = z.infer<typeof ExecProbe>;

/** A readiness or liveness probe: over HTTP, or a command in the container. */
export const Probe = z.union([HttpProbe, ExecProbe]);
export type Probe = z.infer<typeof Probe>;

/** True for an HTTP probe. */
export function isHttpProbe(probe: Probe): probe is HttpProbe {
  return 'httpGet' in probe;
}

/** Port name → port number, or `auto` to have the runtime allocate a free one. */
export const Ports = z.record(Name, z.union([Port, z.literal('auto')]));

/** Environment variables: name → value. Numbers and booleans are written as strings. */
export const EnvVars = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
  z.union([z.string(), z.number(), z.boolean()]).transform(String),
);

/** Memory as Kubernetes and Score write it (`512Mi`, `1.5Gi`, `0.5G`, `1e9`, or bytes) → bytes (`desired/quantities.ts`). */
export const Memory = z
  .union([
    z.number().int().positive(),
    z
      .string()
      .regex(MEMORY_PATTERN, { message: 'a memory size such as 512Mi, 1.5Gi, 0.5G or 1e9', abort: true })
      .refine((text) => memoryProblem(text) === undefined, 'a memory size no machine has'),
  ])
  .describe('memory, e.g. 512Mi');

/** CPU in cores (`0.5`) or millicores (`500m`). */
export const Cpu = z
  .union([
    z.number().positive(),
    z
      .string()
      .regex(CPU_PATTERN, { message: 'CPU such as 0.5 or 500m', abort: true })
      .refine((text) => cpuProblem(text) === undefined, 'a CPU quantity no machine has'),
  ])
  .describe('CPU, e.g. 500m');

export const Limits = z.strictObject({ memory: Memory.optional(), cpu: Cpu.optional() });
export type Limits = z.infer<typeof Limits>;

/**
 * A resource the service needs, as Score declares it: matched by `type` (and `class`, `id`) to a
 * provisioner of the platform layer. Its outputs are read in values as `${resources.<name>.<output>}`.
 */
export const ResourceRequest = z.strictObject({
  type: z.string().min(1),
  class: z.string().min(1).optional(),
  /** Requests with the same type, class and id share one resource. */
  id: z.string().min(1).optional(),
  /**
   * Given to the provisioner. Texts are templates: `${resources.<name>.<output>}` is another resource
   * of the service's output (that resource is provisioned first), `$$` a literal `$`.
   */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type ResourceRequest = z.infer<typeof ResourceRequest>;

/** Octal file mode such as `0644` or `755`. */
const FileMode = z.string().regex(/^0?[0-7]{3}$/, 'an octal file mode such as 0644');
/** An absolute path inside a container. */
const ContainerPath = z.string().regex(/^\/./, 'an absolute path inside the container, such as /etc/app/config.yaml');

/**
 * A file placed in a container at `target` (read-only), as Score's `files`: text `content` (with
 * `${resources.…}` placeholders filled in at deploy time unless `noExpand`) or `binaryContent`
 * (base64). Container runtimes only.
 */
export const WorkloadFile = z
  .strictObject({
    target: ContainerPath,
    mode: FileMode.optional(),
    content: z.string().optional(),
    binaryContent: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text').optional(),
    /** Take `content` as it is: no placeholder is filled in. */
    noExpand: z.boolean().optional(),
  })
  .refine((file) => (file.content === undefined) !== (file.binaryContent === undefined), { message: 'give exactly one of content or binaryContent' });
export type WorkloadFile = z.infer<typeof WorkloadFile>;

/**
 * Storage mounted at `target`, as Score's `volumes`: `source` names an engine volume (or is a
 * resource's output, `${resources.<name>.source}`), created when missing and kept across
 * deployments. Container runtimes only.
 */
export const WorkloadVolume = z.strictObject({
  target: ContainerPath,
  source: z.string().min(1),
  /** A directory inside the volume to mount instead of its root. */
  path: z.string().min(1).optional(),
  readOnly: z.boolean().optional(),
});
export type WorkloadVolume = z.infer<typeof WorkloadVolume>;

/** How a port reaches the process: the port it listens on when not the published one, and the protocol. */
export const PortDetail = z.strictObject({
  /** The port the container listens on; absent: the published port itself. Container runtimes only. */
  targetPort: Port.optional(),
  /** `UDP`: published as UDP (container runtimes only). */
  protocol: z.enum(['TCP', 'UDP']).optional(),
});
export type PortDetail = z.infer<typeof PortDetail>;

/** What every container of a replica may say: its image and command, env, files, volumes, resources, probes. */
const containerFields = {
  /** The command, replacing an image's entrypoint. Absent: the image's own entrypoint (container runtimes only). */
  command: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
  env: EnvVars.default({}),
  readinessProbe: Probe.optional(),
  livenessProbe: Probe.optional(),
  /** Container image, for container runtimes; `command` and `args` then run inside it. */
  image: z.string().min(1).optional(),
  /** Resource limits per replica. */
  limits: Limits.optional(),
  /** What is reserved per replica (container runtimes only). */
  requests: Limits.optional(),
  files: z.array(WorkloadFile).optional(),
  volumes: z.array(WorkloadVolume).optional(),
  /**
   * Score's `before`: the containers of the replica (sidecars, or the workload's own by its
   * `container` name) that start only once this one is `started`, `healthy` (its readiness probe
   * passes) or `complete` (exited with status 0; it then runs to completion). Container runtimes only.
   */
  before: z.record(Name, z.strictObject({ ready: z.enum(READINESS) })).optional(),
};

/**
 * A further container of each replica (a Score workload's containers after the first): it shares
 * the replica's network namespace, so the containers reach each other on localhost and its ports
 * are the workload's. Container runtimes only.
 */
export const Sidecar = z.strictObject({ ...containerFields, image: z.string().min(1) });
export type Sidecar = z.infer<typeof Sidecar>;

/** How to run one replica of a service. */
export const Workload = z
  .strictObject({
    ...containerFields,
    /** Run in this directory (relative to the project file) as it is. */
    workingDir: z.string().min(1).optional(),
    /** Snapshot this directory (relative to the project file) into a content-addressed release. */
    artifact: z.string().min(1).optional(),
    ports: Ports.default({}),
    /** Per port name, how it reaches the process (target port, protocol); absent: TCP on the published port. */
    portDetails: z.record(Name, PortDetail).optional(),
    /** Further containers by name, sharing the network of the first; started after it unless `before` orders them. */
    sidecars: z.record(Name, Sidecar).optional(),
    /** The name of the workload's own container, by which the `before` of its sidecars names it; absent: it has none. */
    container: Name.optional(),
  })
  .refine((w) => !(w.workingDir && w.artifact), {
    message: 'give either workingDir or artifact, not both',
  })
  .check((ctx) => {
    const { container, sidecars } = ctx.value;
    if (container !== undefined && sidecars?.[container]) ctx.issues.push({ code: 'custom', path: ['container'], message: `a sidecar is named ${container} too; give the workload's own container another name`, input: container });
    for (const problem of orderProblems(workloadContainers(ctx.value))) {
      const at = problem.container === (container ?? '') ? [] : ['sidecars', problem.container];
      ctx.issues.push({ code: 'custom', path: [...at, 'before', problem.key], message: problem.message, input: problem.key, params: { at: 'key' } });
    }
  });
export type Workload = z.infer<typeof Workload>;

/** What a service changes in one environment. Maps are merged key by key over the base. */
export const ServiceOverride = z.strictObject({
  replicas: z.number().int().min(0).optional(),
  env: EnvVars.optional(),
  ports: Ports.optional(),
});
export type ServiceOverride = z.infer<typeof ServiceOverride>;

/**
 * How a tagged commit becomes a release (`build/`): an image from a Containerfile (or Dockerfile),
 * pushed to the project's registry, or, with `commands`, an artifact directory for the process,
 * ssh and static runtimes.
 */
export const BuildRecipe = z.strictObject({
  /** The directory of the checkout the build runs in. */
  context: z.string().min(1).default('.'),
  /** The Containerfile, relative to `context`. Absent: `Containerfile`, else `Dockerfile`. */
  containerfile: z.string().min(1).optional(),
  /** Shell commands run in `context`, in order, instead of an image build; they produce `output`. */
  commands: z.array(z.string().min(1)).min(1).optional(),
  /** The directory, relative to `context`, that `commands` produce: the release's artifact. */
  output: z.string().min(1).optional(),
  /** A build running longer is stopped and failed. */
  timeoutSeconds: z.number().int().positive().default(900),
}).refine((b) => (b.commands === undefined) === (b.output === undefined), {
  message: 'give commands and output together (an artifact build), or neither (an image build)',
  path: ['output'],
});
export type BuildRecipe = z.infer<typeof BuildRecipe>;

/** A glob, an exclusion or a semver range of tags (`build/tags.ts`). */
const TagPattern = z.string().min(1).superRefine((pattern, ctx) => {
  const problem = tagPatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Where a service's code lives and which tags of it are built. A tag pattern is a glob (`v*`), an
 * exclusion (`!*-rc*`), or a semver range (`semver:^1.2`); a tag is built when it matches one
 * pattern that is not an exclusion and no exclusion.
 */
export const Source = z.strictObject({
  /** A git URL (`https://…`, `ssh://…`, `file://…`) or a path relative to the project file. */
  repository: z.string().min(1),
  /** The tags that start a build. */
  tags: z.array(TagPattern).min(1).default(['v*']),
  /** Look for new tags with `git ls-remote` this often, where no webhook reaches. Absent: webhooks and manual builds only. */
  pollSeconds: z.number().int().min(5).optional(),
  build: BuildRecipe.default({ context: '.', timeoutSeconds: 900 }),
});
export type Source = z.infer<typeof Source>;

/** A registry login: a user name and a `secret:` reference to the password or token. */
export const RegistryLogin = z.strictObject({
  username: z.string().min(1),
  password: z.string().regex(/^secret:/, 'a secret reference, `secret:<name>`'),
});
export type RegistryLogin = z.infer<typeof RegistryLogin>;

/** Builds of the project's services: where their images go, how many run at once. */
export const Builds = z.strictObject({
  /** The image repository prefix built images are pushed to: `host[:port][/path]`; each service's image is `<registry>/<service>`. */
  registry: z.string().min(1).optional(),
  /** How many builds run at once; the rest wait in the queue. */
  concurrency: z.number().int().min(1).max(16).default(2),
});
export type Builds = z.infer<typeof Builds>;

/** A Backstage entity reference as written in a catalog: `[kind:][namespace/]name`. */
const CatalogRef = z.string().regex(/^([A-Za-z][A-Za-z0-9]*:)?([A-Za-z0-9][A-Za-z0-9-._]*\/)?[A-Za-z0-9][A-Za-z0-9-._]*$/, 'an entity reference such as api:default/orders');

/** Where a service stands in a Backstage catalog (`slipway onboard` writes it): shown, and looked up by `entityRef`. */
export const CatalogEntry = z.strictObject({
  /** `component:<namespace>/<name>`, the reference the API answers to. */
  entityRef: z.string().regex(/^component:[A-Za-z0-9][A-Za-z0-9-._]*\/[A-Za-z0-9][A-Za-z0-9-._]*$/, 'component:<namespace>/<name>'),
  system: CatalogRef.optional(),
  owner: CatalogRef.optional(),
  lifecycle: z.string().min(1).optional(),
  providesApis: z.array(CatalogRef).optional(),
  consumesApis: z.array(CatalogRef).optional(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const Service = z.strictObject({
  owner: z.string().min(1).optional(),
  description: z.string().optional(),
  /** The repository the service is built from, and which of its tags are built. */
  source: Source.optional(),
  /** The Backstage Component it was onboarded from. */
  catalog: CatalogEntry.optional(),
  workload: Workload,
  replicas: z.number().int().min(0).default(1),
  resources: z.record(Name, ResourceRequest).default({}),
  /** Services that must run in an environment (at or above a version) before this one enters it. */
  dependsOn: z.array(z.strictObject({ service: Name, minVersion: Version.optional() })).optional(),
  environments: z.record(Name, ServiceOverride).default({}),
}).refine((s) => s.workload.command !== undefined || s.workload.image !== undefined || (s.source !== undefined && s.source.build.commands === undefined), {
  message: 'give a command (or an image, whose entrypoint then runs, or a source whose image build makes one)',
  path: ['workload', 'command'],
});
export type Service = z.infer<typeof Service>;

export const Environment = z.strictObject({
  description: z.string().optional(),
  /** Environments a release must have reached before this one. Empty: a first environment. */
  promotesFrom: z.array(Name).default([]),
  /** Names of targets (from `targets`) where this environment's services run. */
  targets: z.array(Name).min(1),
  /** How a release goes across the targets: all at once, one by one, or one target verified first. */
  strategy: z.enum(['all-at-once', 'rolling', 'canary']).default('rolling'),
  /** Checks after the rollout (`verification/`): HTTP, smoke commands, Prometheus analysis. */
  verification: Verification.optional(),
  /** Time a verified release must run before it counts as good here. */
  soakSeconds: z.number().min(0).default(0),
  /** Enter this environment as soon as the ones it promotes from succeed; otherwise wait for `slipway promote`. */
  autoPromote: z.boolean().default(true),
  /** On a failed rollout or verification: go back to the last good release, or stop and wait for a person. */
  onFailure: z.enum(['rollback', 'halt']).default('rollback'),
  /** A newer release of the same service waiting here: `queue` behind the older one, or `replace` it. */
  supersede: z.enum(['queue', 'replace']).default('replace'),
});
export type Environment = z.infer<typeof Environment>;

/** Where services run: the settings of one of the runtime modules (`runtimes/registry.ts`), told apart by `runtime`. */
export const Target = z.discriminatedUnion('runtime', settingsSchemas(RUNTIME_MODULES));
export type Target = z.infer<typeof Target>;

export const ProjectFile = z.strictObject({
  /** Schema address for editors; ignored by Slipway. */
  $schema: z.string().optional(),
  project: Name,
  /** Policy and defaults files owned by other teams, relative to this file, merged by `desired/`. */
  layers: z.array(z.string().min(1)).default([]),
  /** Score (`score.dev/v1b1`) workload files, relative to this file: each adds a service. */
  scoreFiles: z.array(z.string().min(1)).default([]),
  services: z.record(Name, Service).default({}),
  /** Outgoing webhooks on deployment events (`notifications/`). */
  notifications: Notifications.default([]),
  /** Builds from tags (`source` of a service): the registry images go to, the concurrency. */
  builds: Builds.default({ concurrency: 2 }),
  /** Logins for image registries, by `host[:port]`: used to push built images and to pull images by digest. */
  registries: z.record(z.string().min(1), RegistryLogin).default({}),
  environments: z.record(Name, Environment),
  targets: z.record(Name, Target),
});
export type ProjectFile = z.infer<typeof ProjectFile>;
