/**
 * A Score workload turned into a Slipway service, the way score-compose carries one onto Compose.
 * Whether a runtime can honour what it says is decided later, per target, by the runtime's module
 * (`RuntimeModule.refuses`); here only what no runtime could is a problem. Field by field:
 * - the first container is the workload's own fields, the others are `sidecars` (one network
 *   namespace per replica); `image: .` (that container only) is the artifact of the Score file's
 *   directory, another image is `image`;
 * - `before` is carried on each container as written, once every key names another container and
 *   they form no cycle (`start-order.ts`). The workload's own container owns the replica's network,
 *   so it must keep running: when containers are ordered it is the first that keeps running in
 *   start order (a step, awaited as `complete`, never is), named by `container`;
 * - `command` replaces the image's entrypoint (its first word is `command`, the rest lead `args`),
 *   `args` replace the image's command; without `command` the image's entrypoint runs;
 * - `variables` become `env`, `${metadata.…}` resolved, `${resources.…}` kept for deploy time;
 * - `files` (list or map form; `content`, `source` — read by the loader — or `binaryContent`,
 *   `mode`, `noExpand`) become `files`: content without resource placeholders is final here
 *   (`noExpand`), content with them is filled in at deploy time; `volumes` become `volumes`;
 * - service ports become `ports` (the published port), with `portDetails` for a `targetPort` that
 *   differs and for UDP; probes are HTTP GET (headers sent; `host` only as the instance itself;
 *   no HTTPS) or exec (HTTP wins when a probe gives both); a numbered probe port means the
 *   container's port, so it is named by the service port that targets it;
 * - `resources.limits` and `requests` become `limits` and `requests`;
 * - Score `resources` become resource requests (`metadata` refused: provisioners take `params`);
 * - annotations `slipway.dev/owner`, `slipway.dev/description`, `slipway.dev/replicas` set those fields.
 * Pure: paths are computed, nothing is read (`sources` holds the files `source` names).
 */
import { dirname, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { Name, Service, type Probe as ServiceProbe, type ResourceRequest, type Sidecar, type Workload, type WorkloadFile, type WorkloadVolume } from '../schema.js';
import { formatPath, type Problem } from '../yaml-source.js';
import { explainIssues } from '../zod-issues.js';
import { unknownName } from '../suggest.js';
import { PlaceholderError, placeholdersIn, substitute } from './placeholders.js';
import { resolveTemplate, resolveTemplates, type TemplateContext } from './references.js';
import type { ScoreContainer, ScoreWorkload } from './schema.js';
import { firstKeptRunning, orderProblems, type OrderedContainer } from '../start-order.js';

/** Where a Score file sits. */
export interface ScoreLocation {
  /** Absolute path of the Score file; `image: .` names its directory. */
  readonly file: string;
  /** Absolute directory of the project file; paths in the service are relative to it. */
  readonly projectDir: string;
  /** The text of each file a `files` entry names as `source` (relative to the Score file), by that name; undefined: unreadable. */
  readonly sources?: ReadonlyMap<string, string | undefined>;
}

/**
 * A service made from a Score file, with `scorePath`: the path in the Score file that a path of
 * the service's `workload` came from (its nearest recorded ancestor's), or every problem that prevents it.
 */
export type Conversion =
  | { readonly name: string; readonly service: Service; readonly scorePath: (workloadPath: readonly PropertyKey[]) => readonly PropertyKey[]; readonly problems: readonly [] }
  | { readonly problems: readonly Problem[] };

/** The `slipway.dev/*` annotations a Score file's metadata may carry. */
export const SCORE_ANNOTATIONS = ['slipway.dev/owner', 'slipway.dev/description', 'slipway.dev/replicas'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A probe `host` that names the instance itself, as Slipway probes it anyway. */
const OWN_HOST = /^(localhost|127\.0\.0\.1|::1)$/;

/** What a conversion collects: problems, and where each workload path came from in the Score file. */
interface Sink {
  readonly problems: Problem[];
  /** `workload` path (dotted) → Score path. */
  readonly origins: Map<string, readonly PropertyKey[]>;
  readonly context: TemplateContext;
  readonly location: ScoreLocation;
}

/** Records that `workloadPath` came from `scorePath`. */
function from(sink: Sink, workloadPath: readonly PropertyKey[], scorePath: readonly PropertyKey[]): void {
  sink.origins.set(workloadPath.map(String).join('.'), scorePath);
}

/** Converts a schema-valid Score workload. Pure; all problems are returned together, with Score paths. */
export function convertScore(score: ScoreWorkload, location: ScoreLocation): Conversion {
  const sink: Sink = { problems: [], origins: new Map(), location, context: { metadata: score.metadata, resources: Object.keys(score.resources ?? {}) } };
  const { problems } = sink;
  const name = slipwayName(score.metadata.name, ['metadata', 'name'], 'workload', problems);
  for (const problem of orderProblems(scoreContainers(score))) problems.push({ path: ['containers', problem.container, 'before', problem.key], at: 'key', message: problem.message });
  const own = workloadContainer(score);
  const first = Object.entries(score.containers).find(([containerName]) => containerName === own);
  const others = Object.entries(score.containers).filter(([containerName]) => containerName !== own);
  const ports = servicePorts(score, sink);
  const sidecars: Record<string, z.input<typeof Sidecar>> = {};
  const artifactOnly = own === Object.keys(score.containers)[0] ? 'the first container' : `the first container that keeps running (${own})`;
  for (const [containerName, container] of others) {
    const at = ['containers', containerName];
    slipwayName(containerName, at, 'container', problems, 'key');
    from(sink, ['sidecars', containerName], at);
    if (container.image === '.') problems.push({ path: [...at, 'image'], message: `only ${artifactOnly} may run the artifact of this directory (image: .); give an image` });
    sidecars[containerName] = { ...containerFields(['sidecars', containerName], at, container, ports, sink), image: container.image };
  }
  const input = {
    ...annotations(score, problems),
    workload: first && workload(first[0], first[1], ports, sidecars, sink, isOrdered(score)),
    resources: resourceRequests(score, sink.context, problems),
  };
  if (problems.length > 0 || !first) return { problems };
  const parsed = Service.safeParse(input);
  if (!parsed.success) {
    // Every Score field is checked above; this is what remains of Slipway's own rules.
    const at = ['containers', first[0]];
    return { problems: explainIssues(Service, input, parsed.error.issues).map((p) => ({ path: at, message: `${formatPath(p.path)}: ${p.message}` })) };
  }
  const scorePath = (workloadPath: readonly PropertyKey[]): readonly PropertyKey[] => {
    for (let length = workloadPath.length; length > 0; length--) {
      const found = sink.origins.get(workloadPath.slice(0, length).map(String).join('.'));
      if (found) return found;
    }
    return ['containers', first[0]];
  };
  return { name, service: parsed.data, scorePath, problems: [] };
}

/** The Score file's containers as `start-order.ts` orders them, in the file's order. */
function scoreContainers(score: Pick<ScoreWorkload, 'containers'>): OrderedContainer[] {
  return Object.entries(score.containers).map(([name, container]) => ({ name, before: container.before }));
}

/** True when a container of the Score file says what it is `before`. */
function isOrdered(score: Pick<ScoreWorkload, 'containers'>): boolean {
  return Object.values(score.containers).some((container) => Object.keys(container.before ?? {}).length > 0);
}

/**
 * The Score container that becomes the workload's own (the others become its sidecars): the
 * first, unless `before` orders them; then the first that keeps running in start order, since it
 * owns the replica's network (the first container again while the order has a cycle, refused).
 * Undefined only for a workload without containers. Pure.
 */
export function workloadContainer(score: Pick<ScoreWorkload, 'containers'>): string | undefined {
  const first = Object.keys(score.containers)[0];
  return isOrdered(score) ? (firstKeptRunning(scoreContainers(score)) ?? first) : first;
}

function slipwayName(name: string, path: readonly PropertyKey[], kind: string, problems: Problem[], at?: 'key'): string {
  if (!Name.safeParse(name).success) problems.push({ path, at, message: `Slipway needs a ${kind} name that starts with a letter, got ${JSON.stringify(name)}` });
  return name;
}

function annotations(score: ScoreWorkload, problems: Problem[]): { owner?: string; description?: string; replicas?: number } {
  const given = score.metadata.annotations ?? {};
  for (const key of Object.keys(given)) {
    if (key.startsWith('slipway.dev/') && !(SCORE_ANNOTATIONS as readonly string[]).includes(key)) {
      problems.push({ path: ['metadata', 'annotations', key], at: 'key', message: unknownName('Slipway annotation', key, SCORE_ANNOTATIONS) });
    }
  }
  const replicas = given['slipway.dev/replicas'];
  if (replicas !== undefined && !/^\d+$/.test(replicas)) problems.push({ path: ['metadata', 'annotations', 'slipway.dev/replicas'], message: `expected a whole number of replicas, got ${JSON.stringify(replicas)}` });
  return {
    owner: given['slipway.dev/owner'],
    description: given['slipway.dev/description'],
    replicas: replicas === undefined ? undefined : Number(replicas),
  };
}

/** The service's ports: published port by name, and how each reaches the container where that differs. */
interface ServicePorts {
  readonly ports: Record<string, number>;
  readonly details: Record<string, { targetPort?: number; protocol?: 'UDP' }>;
}

function servicePorts(score: ScoreWorkload, sink: Sink): ServicePorts {
  const result: ServicePorts = { ports: {}, details: {} };
  for (const [name, port] of Object.entries(score.service?.ports ?? {})) {
    const path = ['service', 'ports', name];
    slipwayName(name, path, 'port', sink.problems, 'key');
    from(sink, ['ports', name], path);
    result.ports[name] = port.port;
    const detail = {
      ...(port.targetPort !== undefined && port.targetPort !== port.port && { targetPort: port.targetPort }),
      ...(port.protocol === 'UDP' && { protocol: 'UDP' as const }),
    };
    if (detail.targetPort !== undefined) from(sink, ['portDetails', name, 'targetPort'], [...path, 'targetPort']);
    if (detail.protocol) from(sink, ['portDetails', name, 'protocol'], [...path, 'protocol']);
    if (Object.keys(detail).length > 0) result.details[name] = detail;
  }
  return result;
}

/** The workload's own container's fields; with `named`, its name too, by which `before` names it. */
function workload(containerName: string, container: ScoreContainer, ports: ServicePorts, sidecars: Record<string, z.input<typeof Sidecar>>, sink: Sink, named: boolean): z.input<typeof Workload> {
  const at = ['containers', containerName];
  const { location } = sink;
  if (named) {
    slipwayName(containerName, at, 'container', sink.problems, 'key');
    from(sink, ['container'], at);
  }
  return {
    ...(named && { container: containerName }),
    ...containerFields([], at, container, ports, sink),
    ...(container.image === '.' ? { artifact: projectPath(dirname(location.file), location.projectDir) } : { image: container.image }),
    ports: ports.ports,
    ...(Object.keys(ports.details).length > 0 && { portDetails: ports.details }),
    ...(Object.keys(sidecars).length > 0 && { sidecars }),
  };
}

/** What any container says, at `prefix` in the workload (`[]` for the first, `['sidecars', name]` for the others). */
function containerFields(prefix: readonly PropertyKey[], at: readonly PropertyKey[], container: ScoreContainer, ports: ServicePorts, sink: Sink) {
  const { problems, context } = sink;
  const word = (key: 'command' | 'args') => (text: string, index: number) => resolveTemplate(text, { path: [...at, key, index], resourcesAllowed: false }, context, problems);
  const command = (container.command ?? []).map(word('command'));
  const args = (container.args ?? []).map(word('args'));
  from(sink, [...prefix, 'command'], container.command ? [...at, 'command'] : at);
  from(sink, [...prefix, 'args'], [...at, container.command && container.command.length > 1 ? 'command' : 'args']);
  from(sink, [...prefix, 'image'], [...at, 'image']);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(container.variables ?? {})) {
    if (!ENV_NAME.test(name)) problems.push({ path: [...at, 'variables', name], at: 'key', message: `expected an environment variable name (letters, digits and "_", not starting with a digit), got ${JSON.stringify(name)}` });
    from(sink, [...prefix, 'env', name], [...at, 'variables', name]);
    env[name] = resolveTemplate(value, { path: [...at, 'variables', name], resourcesAllowed: true }, context, problems);
  }
  if (container.before) from(sink, [...prefix, 'before'], [...at, 'before']);
  const before = Object.entries(container.before ?? {}).map(([key, { ready }]) => {
    from(sink, [...prefix, 'before', key], [...at, 'before', key]);
    return [key, { ready }] as const;
  });
  const files = containerFiles(prefix, at, container, sink);
  const volumes = containerVolumes(prefix, at, container, sink);
  return {
    ...(command.length > 0 && { command: command[0] }),
    args: [...command.slice(1), ...args],
    env,
    readinessProbe: probe(container.readinessProbe, [...prefix, 'readinessProbe'], [...at, 'readinessProbe'], ports, sink),
    livenessProbe: probe(container.livenessProbe, [...prefix, 'livenessProbe'], [...at, 'livenessProbe'], ports, sink),
    limits: amounts(container.resources?.limits, [...prefix, 'limits'], [...at, 'resources', 'limits'], sink),
    requests: amounts(container.resources?.requests, [...prefix, 'requests'], [...at, 'resources', 'requests'], sink),
    ...(files.length > 0 && { files }),
    ...(volumes.length > 0 && { volumes }),
    ...(before.length > 0 && { before: Object.fromEntries(before) }),
  };
}

/** Entries of a list-or-map field as [target, entry, path]; the map form's key is the target. */
function entries<T extends { target?: string }>(given: readonly T[] | Record<string, T> | undefined, at: readonly PropertyKey[], problems: Problem[]): [string, T, PropertyKey[]][] {
  if (!given) return [];
  if (Array.isArray(given)) {
    return given.flatMap((entry, index): [string, T, PropertyKey[]][] => {
      if (entry.target === undefined) {
        problems.push({ path: [...at, index], message: 'expected a target: the absolute path in the container' });
        return [];
      }
      return [[entry.target, entry, [...at, index]]];
    });
  }
  return Object.entries(given).map(([target, entry]): [string, T, PropertyKey[]] => [target, entry, [...at, target]]);
}

function containerFiles(prefix: readonly PropertyKey[], at: readonly PropertyKey[], container: ScoreContainer, sink: Sink): z.input<typeof WorkloadFile>[] {
  const { problems, context, location } = sink;
  return entries<{ target?: string; mode?: string; source?: string; content?: string; binaryContent?: string; noExpand?: boolean }>(container.files, [...at, 'files'], problems).map(
    ([target, file, path], index) => {
      from(sink, [...prefix, 'files', index], path);
      const mode = file.mode && { mode: file.mode };
      if (file.binaryContent !== undefined) return { target, ...mode, binaryContent: file.binaryContent };
      let text = file.content;
      if (file.source !== undefined) {
        text = location.sources?.get(file.source);
        if (text === undefined) problems.push({ path: [...path, 'source'], message: `no file at ${resolve(dirname(location.file), file.source)} (a source is relative to the Score file)` });
      }
      if (file.noExpand) return { target, ...mode, content: text ?? '', noExpand: true };
      const template = resolveTemplate(text ?? '', { path: [...path, file.source !== undefined ? 'source' : 'content'], resourcesAllowed: true }, context, problems);
      // Without resource outputs to wait for, the content is final now.
      return hasResourcePlaceholders(template) ? { target, ...mode, content: template } : { target, ...mode, content: finalText(template), noExpand: true };
    },
  );
}

function hasResourcePlaceholders(template: string): boolean {
  try {
    return placeholdersIn(template).some((placeholder) => placeholder.path[0] === 'resources');
  } catch (error) {
    if (error instanceof PlaceholderError) return false; // reported by resolveTemplate
    throw error;
  }
}

/** A template with nothing left to fill in, escapes undone; as it is when malformed (already reported). */
function finalText(template: string): string {
  try {
    return substitute(template, () => undefined);
  } catch (error) {
    if (error instanceof PlaceholderError) return template;
    throw error;
  }
}

function containerVolumes(prefix: readonly PropertyKey[], at: readonly PropertyKey[], container: ScoreContainer, sink: Sink): z.input<typeof WorkloadVolume>[] {
  return entries<{ target?: string; source: string; path?: string; readOnly?: boolean }>(container.volumes, [...at, 'volumes'], sink.problems).map(([target, volume, path], index) => {
    from(sink, [...prefix, 'volumes', index], path);
    from(sink, [...prefix, 'volumes', index, 'path'], [...path, 'path']);
    from(sink, [...prefix, 'volumes', index, 'source'], [...path, 'source']);
    const source = resolveTemplate(volume.source, { path: [...path, 'source'], resourcesAllowed: true }, sink.context, sink.problems);
    return { target, source, ...(volume.path !== undefined && { path: volume.path }), ...(volume.readOnly !== undefined && { readOnly: volume.readOnly }) };
  });
}

/** `path` (absolute) relative to `projectDir`, as a project file writes paths: `/` separators, `.` for the directory itself. */
export function projectPath(path: string, projectDir: string): string {
  return relative(resolve(projectDir), path).split(sep).join('/') || '.';
}

type ScoreProbe = NonNullable<ScoreContainer['readinessProbe']>;

function probe(given: ScoreProbe | undefined, workloadAt: readonly PropertyKey[], at: readonly PropertyKey[], ports: ServicePorts, sink: Sink): z.input<typeof ServiceProbe> | undefined {
  if (!given) return undefined;
  const { problems } = sink;
  const http = given.httpGet;
  if (!http) {
    if (!given.exec) {
      problems.push({ path: at, message: 'expected httpGet or exec in a probe' });
      return undefined;
    }
    from(sink, [...workloadAt, 'exec'], [...at, 'exec']);
    if (given.exec.command.length === 0) problems.push({ path: [...at, 'exec', 'command'], message: 'expected a command to run' });
    return { exec: { command: given.exec.command } };
  }
  const httpAt = [...at, 'httpGet'];
  from(sink, [...workloadAt, 'httpGet'], httpAt);
  from(sink, [...workloadAt, 'httpGet', 'httpHeaders'], [...httpAt, 'httpHeaders']);
  if (http.host !== undefined && !OWN_HOST.test(http.host)) problems.push({ path: [...httpAt, 'host'], message: "Slipway probes the instance's own address; remove host (or make it localhost)" });
  if (http.scheme === 'HTTPS') problems.push({ path: [...httpAt, 'scheme'], message: 'Slipway probes over plain HTTP; HTTPS cannot be honoured' });
  const port = probePort(http.port, [...httpAt, 'port'], ports, problems);
  return { httpGet: { path: http.path, port, ...(http.httpHeaders?.length && { httpHeaders: http.httpHeaders }) } };
}

/**
 * A probe's port (the container's port, a number as the specification requires) as the name of
 * the service port it reaches, whose `targetPort` (or else `port`) it is, so per-environment ports
 * follow; the number itself when no service port has it.
 */
function probePort(port: number, at: readonly PropertyKey[], { ports, details }: ServicePorts, problems: Problem[]): number | string {
  const names = Object.keys(ports);
  const name = names.find((n) => (details[n]?.targetPort ?? ports[n]) === port) ?? names.find((n) => ports[n] === port);
  if (name !== undefined && details[name]?.protocol === 'UDP') problems.push({ path: at, message: `port ${name} is UDP; an HTTP probe needs a TCP port` });
  return name ?? port;
}

/** Limits or requests as given (the schema admits only the quantities Slipway reads); undefined when none is given. */
function amounts(given: { memory?: string; cpu?: string } | undefined, workloadAt: readonly PropertyKey[], at: readonly PropertyKey[], sink: Sink): Record<string, string> | undefined {
  if (!given || Object.keys(given).length === 0) return undefined;
  from(sink, workloadAt, at);
  return { ...given };
}

function resourceRequests(score: ScoreWorkload, context: TemplateContext, problems: Problem[]): Record<string, ResourceRequest> {
  const requests: Record<string, ResourceRequest> = {};
  for (const [name, resource] of Object.entries(score.resources ?? {})) {
    const at = ['resources', name];
    slipwayName(name, at, 'resource', problems, 'key');
    if (resource.metadata !== undefined) problems.push({ path: [...at, 'metadata'], at: 'key', message: 'Slipway provisioners take no resource metadata; pass settings in params' });
    const params = resource.params && (resolveTemplates(resource.params, { path: [...at, 'params'], resourcesAllowed: true }, context, problems) as Record<string, unknown>);
    requests[name] = { type: resource.type, ...(resource.class && { class: resource.class }), ...(resource.id && { id: resource.id }), ...(params && { params }) };
  }
  return requests;
}
