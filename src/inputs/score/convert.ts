/**
 * A Score workload turned into a Slipway service. What Slipway cannot honour is a problem, never
 * dropped. Field by field:
 * - exactly one container; `image: .` is the artifact of the Score file's directory, another image
 *   is `workload.image`; `command` + `args` are the command line (a command is required: Slipway
 *   starts the process itself and reads no image entrypoint);
 * - `variables` become `env`, `${metadata.…}` resolved, `${resources.…}` kept for deploy time;
 * - service ports become `ports` (TCP only, `targetPort` equal to `port` or absent: the process
 *   listens on the service port itself); probes are HTTP GET on the instance (no host, no HTTPS,
 *   no headers; an exec probe alone is refused, beside httpGet it yields to it);
 * - `resources.limits` become `workload.limits`; `requests`, `files` and `volumes` are refused;
 * - Score `resources` become resource requests (`metadata` refused: provisioners take `params`);
 * - annotations `slipway.dev/owner`, `slipway.dev/description`, `slipway.dev/replicas` set those fields.
 * Pure: paths are computed, nothing is read.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { Name, Service, type HttpProbe, type ResourceRequest, type Workload } from '../schema.js';
import { formatPath, type Problem } from '../yaml-source.js';
import { explainIssues } from '../zod-issues.js';
import { unknownName } from '../suggest.js';
import { resolveTemplate, resolveTemplates, type TemplateContext } from './references.js';
import type { ScoreContainer, ScoreWorkload } from './schema.js';

/** Where a Score file sits. */
export interface ScoreLocation {
  /** Absolute path of the Score file; `image: .` names its directory. */
  readonly file: string;
  /** Absolute directory of the project file; paths in the service are relative to it. */
  readonly projectDir: string;
}

/** A service made from a Score file, or every problem that prevents it. */
export type Conversion = { readonly name: string; readonly service: Service; readonly problems: readonly [] } | { readonly problems: readonly Problem[] };

/** The `slipway.dev/*` annotations a Score file's metadata may carry. */
export const SCORE_ANNOTATIONS = ['slipway.dev/owner', 'slipway.dev/description', 'slipway.dev/replicas'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Converts a schema-valid Score workload. Pure; all problems are returned together, with Score paths. */
export function convertScore(score: ScoreWorkload, location: ScoreLocation): Conversion {
  const problems: Problem[] = [];
  const context: TemplateContext = { metadata: score.metadata, resources: Object.keys(score.resources ?? {}) };
  const name = slipwayName(score.metadata.name, ['metadata', 'name'], 'workload', problems);
  const [containerName, container] = onlyContainer(score, problems);
  const ports = servicePorts(score, problems);
  const input = {
    ...annotations(score, problems),
    workload: container && workload(containerName, container, ports, context, location, problems),
    resources: resourceRequests(score, context, problems),
  };
  if (problems.length > 0 || !container) return { problems };
  const parsed = Service.safeParse(input);
  if (!parsed.success) {
    // Every Score field is checked above; this is what remains of Slipway's own rules.
    const at = ['containers', containerName];
    return { problems: explainIssues(Service, input, parsed.error.issues).map((p) => ({ path: at, message: `${formatPath(p.path)}: ${p.message}` })) };
  }
  return { name, service: parsed.data, problems: [] };
}

function slipwayName(name: string, path: readonly PropertyKey[], kind: string, problems: Problem[], at?: 'key'): string {
  if (!Name.safeParse(name).success) problems.push({ path, at, message: `Slipway needs a ${kind} name that starts with a letter, got ${JSON.stringify(name)}` });
  return name;
}

function onlyContainer(score: ScoreWorkload, problems: Problem[]): [string, ScoreContainer | undefined] {
  const names = Object.keys(score.containers);
  for (const extra of names.slice(1)) {
    problems.push({
      path: ['containers', extra],
      at: 'key',
      message: `Slipway runs one container per workload on the process runtime; move container ${JSON.stringify(extra)} into a Score file of its own (this one has ${names.join(', ')})`,
    });
  }
  const first = names[0] ?? '';
  return [first, score.containers[first]];
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

/** Port name → number, for ports Slipway can serve. */
function servicePorts(score: ScoreWorkload, problems: Problem[]): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const [name, port] of Object.entries(score.service?.ports ?? {})) {
    const path = ['service', 'ports', name];
    slipwayName(name, path, 'port', problems, 'key');
    if (port.protocol === 'UDP') problems.push({ path: [...path, 'protocol'], message: 'Slipway serves and probes TCP ports only; UDP cannot be honoured' });
    if (port.targetPort !== undefined && port.targetPort !== port.port) {
      problems.push({
        path: [...path, 'targetPort'],
        message: `the process listens on the service port itself (PORT_${name.toUpperCase().replaceAll('-', '_')}=${port.port}); no runtime maps ${port.port} to ${port.targetPort}: remove targetPort or make it ${port.port}`,
      });
    }
    ports[name] = port.port;
  }
  return ports;
}

function workload(
  containerName: string,
  container: ScoreContainer,
  ports: Record<string, number>,
  context: TemplateContext,
  location: ScoreLocation,
  problems: Problem[],
): z.input<typeof Workload> {
  const at = ['containers', containerName];
  refuseFilesAndVolumes(container, at, problems);
  const line = [...(container.command ?? []), ...(container.args ?? [])];
  const commandLine = line.map((word, index) => {
    const key = index < (container.command?.length ?? 0) ? 'command' : 'args';
    const position = key === 'command' ? index : index - (container.command?.length ?? 0);
    return resolveTemplate(word, { path: [...at, key, position], resourcesAllowed: false }, context, problems);
  });
  if (line.length === 0) {
    problems.push({ path: [...at, 'command'], message: 'missing command: Slipway starts the process itself and reads no image entrypoint; give command (and args)' });
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(container.variables ?? {})) {
    if (!ENV_NAME.test(name)) problems.push({ path: [...at, 'variables', name], at: 'key', message: `expected an environment variable name (letters, digits and "_", not starting with a digit), got ${JSON.stringify(name)}` });
    env[name] = resolveTemplate(value, { path: [...at, 'variables', name], resourcesAllowed: true }, context, problems);
  }
  return {
    command: commandLine[0] ?? '',
    args: commandLine.slice(1),
    ...(container.image === '.' ? { artifact: projectPath(dirname(location.file), location.projectDir) } : { image: container.image }),
    env,
    ports,
    readinessProbe: probe(container.readinessProbe, [...at, 'readinessProbe'], ports, problems),
    livenessProbe: probe(container.livenessProbe, [...at, 'livenessProbe'], ports, problems),
    limits: limits(container, at, problems),
  };
}

function refuseFilesAndVolumes(container: ScoreContainer, at: readonly PropertyKey[], problems: Problem[]): void {
  if (Object.keys(container.files ?? {}).length > 0) {
    problems.push({ path: [...at, 'files'], at: 'key', message: 'Slipway mounts no files into a process; ship them in the artifact, or pass their content in variables' });
  }
  if (Object.keys(container.volumes ?? {}).length > 0) {
    problems.push({ path: [...at, 'volumes'], at: 'key', message: 'Slipway mounts no volumes into a process; declare storage as a resource instead' });
  }
}

/** `path` (absolute) relative to `projectDir`, as a project file writes paths: `/` separators, `.` for the directory itself. */
export function projectPath(path: string, projectDir: string): string {
  return relative(resolve(projectDir), path).split(sep).join('/') || '.';
}

type Probe = NonNullable<ScoreContainer['readinessProbe']>;

function probe(given: Probe | undefined, at: readonly PropertyKey[], ports: Record<string, number>, problems: Problem[]): z.input<typeof HttpProbe> | undefined {
  if (!given) return undefined;
  const http = given.httpGet;
  if (!http) {
    const message = given.exec ? 'Slipway probes over HTTP only; exec probes cannot be honoured: give httpGet' : 'expected httpGet in a probe';
    problems.push({ path: given.exec ? [...at, 'exec'] : at, at: 'key', message });
    return undefined;
  }
  const httpAt = [...at, 'httpGet'];
  if (http.host !== undefined) problems.push({ path: [...httpAt, 'host'], message: "Slipway probes the instance's own address; remove host" });
  if (http.scheme === 'HTTPS') problems.push({ path: [...httpAt, 'scheme'], message: 'Slipway probes over plain HTTP; HTTPS cannot be honoured' });
  if (http.httpHeaders?.length) problems.push({ path: [...httpAt, 'httpHeaders'], at: 'key', message: 'Slipway sends no headers with a probe; remove httpHeaders' });
  return { httpGet: { path: http.path, port: probePort(http.port, [...httpAt, 'port'], ports, problems) } };
}

/** A probe's port as a port name where one is declared for it (so per-environment ports follow), else the number. */
function probePort(port: number | string, at: readonly PropertyKey[], ports: Record<string, number>, problems: Problem[]): number | string {
  const names = Object.keys(ports);
  if (typeof port === 'string') {
    if (!names.includes(port)) problems.push({ path: at, message: unknownName('port', port, names) });
    return port;
  }
  return names.find((name) => ports[name] === port) ?? port;
}

function limits(container: ScoreContainer, at: readonly PropertyKey[], problems: Problem[]): Record<string, string> | undefined {
  const resources = container.resources;
  if (resources?.requests && Object.keys(resources.requests).length > 0) {
    problems.push({ path: [...at, 'resources', 'requests'], at: 'key', message: 'Slipway reserves nothing for a process, so requests cannot be honoured; remove them (limits are applied)' });
  }
  const given = resources?.limits;
  if (!given || Object.keys(given).length === 0) return undefined;
  return { ...given, ...(given.cpu?.startsWith('.') ? { cpu: `0${given.cpu}` } : {}) };
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
