/**
 * A Backstage Component turned into what Slipway adds to a project: a service, or a Score file
 * that describes it. Slipway settings come from `slipway.dev/*` annotations (all optional):
 *
 * | annotation | meaning |
 * | --- | --- |
 * | `slipway.dev/score-file` | a Score file (relative to the catalog file) that describes the workload; then none of the workload annotations below may be given |
 * | `slipway.dev/command` | the command line, split at spaces (quote with `'` or `"` to keep spaces); required without a Score file |
 * | `slipway.dev/artifact` | directory snapshotted into each release, relative to the catalog file; default: the catalog file's directory |
 * | `slipway.dev/working-dir` | run in this directory as it is (instead of an artifact), relative to the catalog file |
 * | `slipway.dev/port` | the `http` port: a number, or `auto` |
 * | `slipway.dev/health-path` | readiness probe path on the `http` port, e.g. `/healthz` (needs a port) |
 * | `slipway.dev/replicas` | replicas, a whole number |
 * | `slipway.dev/name` | the service name, when the entity name is no Slipway name |
 *
 * The owner is `spec.owner` without its kind and default namespace (`group:default/payments` →
 * `payments`); the full reference, lifecycle, system, type and tags are returned as labels.
 */
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { Name, Service } from '../schema.js';
import { formatPath, type Problem } from '../yaml-source.js';
import { invalid } from '../yaml-file.js';
import { explainIssues } from '../zod-issues.js';
import { unknownName } from '../suggest.js';
import { projectPath } from '../score/convert.js';
import type { CatalogComponent } from './parse.js';

/** The annotations Slipway reads from a Component. */
export const CATALOG_ANNOTATIONS = [
  'slipway.dev/score-file',
  'slipway.dev/command',
  'slipway.dev/artifact',
  'slipway.dev/working-dir',
  'slipway.dev/port',
  'slipway.dev/health-path',
  'slipway.dev/replicas',
  'slipway.dev/name',
] as const;
type Annotation = (typeof CATALOG_ANNOTATIONS)[number];

/** Annotations that describe the workload, which a Score file describes instead. */
const WORKLOAD_ANNOTATIONS: readonly Annotation[] = ['slipway.dev/command', 'slipway.dev/artifact', 'slipway.dev/working-dir', 'slipway.dev/port', 'slipway.dev/health-path', 'slipway.dev/replicas'];

/** A service as written in a project file: defaults left out. */
export type ServiceFragment = z.input<typeof Service>;

/** An owner: the name Slipway records (`payments`) and the catalog reference it came from (`group:default/payments`). */
export interface Owner {
  readonly name: string;
  readonly ref: string;
}

/** What a Component adds to a project. */
export type CatalogService = {
  readonly name: string;
  readonly owner: Owner;
  /** `type`, `lifecycle`, `system`, `owner` (the full reference) and `tags` of the entity, where given. */
  readonly labels: Readonly<Record<string, string>>;
} & ({ readonly kind: 'service'; readonly service: ServiceFragment } | { readonly kind: 'score-file'; readonly scoreFile: string });

/**
 * What `component` adds to the project whose file is in `projectDir` (absolute): a service
 * fragment, or the path of its Score file relative to `projectDir`. Pure: the Score file is not
 * read here. Throws `InvalidInputError` with every annotation problem, positioned in the catalog file.
 */
export function catalogToService(component: CatalogComponent, options: { readonly projectDir: string }): CatalogService {
  const { entity } = component;
  const problems: Problem[] = [];
  const annotations = slipwayAnnotations(entity.metadata.annotations ?? {}, problems);
  const name = serviceName(entity.metadata.name, annotations['slipway.dev/name'], problems);
  const owner = ownerOf(entity.spec.owner);
  const labels = labelsOf(component);
  const fromCatalogDir = (path: string): string => projectPath(resolve(dirname(resolve(component.file)), path), options.projectDir);
  const scoreFile = annotations['slipway.dev/score-file'];
  if (scoreFile !== undefined) {
    for (const key of WORKLOAD_ANNOTATIONS.filter((key) => annotations[key] !== undefined)) {
      problems.push({ path: annotationPath(key), at: 'key', message: `the Score file (slipway.dev/score-file) describes the workload; set this there instead` });
    }
    if (problems.length > 0) throw invalid(problems.map((problem) => component.locate(problem)));
    return { kind: 'score-file', name, owner, labels, scoreFile: fromCatalogDir(scoreFile) };
  }
  const service = serviceFragment(entity.metadata.description ?? entity.metadata.title, owner, annotations, fromCatalogDir, problems);
  if (problems.length === 0) {
    const parsed = Service.safeParse(service);
    // Each annotation is checked above; this is what remains of Slipway's own rules.
    if (!parsed.success) problems.push(...explainIssues(Service, service, parsed.error.issues).map((p) => ({ path: ['metadata', 'annotations'], message: `${formatPath(p.path)}: ${p.message}` })));
  }
  if (problems.length > 0) throw invalid(problems.map((problem) => component.locate(problem)));
  return { kind: 'service', name, owner, labels, service };
}

const annotationPath = (key: string): PropertyKey[] => ['metadata', 'annotations', key];

function slipwayAnnotations(given: Readonly<Record<string, string>>, problems: Problem[]): Partial<Record<Annotation, string>> {
  const known: Partial<Record<Annotation, string>> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!key.startsWith('slipway.dev/')) continue;
    if ((CATALOG_ANNOTATIONS as readonly string[]).includes(key)) known[key as Annotation] = value;
    else problems.push({ path: annotationPath(key), at: 'key', message: unknownName('Slipway annotation', key, CATALOG_ANNOTATIONS) });
  }
  return known;
}

function serviceName(entityName: string, override: string | undefined, problems: Problem[]): string {
  const name = override ?? entityName;
  if (!Name.safeParse(name).success) {
    const hint = override === undefined ? '; set slipway.dev/name to one' : '';
    problems.push({ path: override === undefined ? ['metadata', 'name'] : annotationPath('slipway.dev/name'), message: `expected a Slipway service name (lower-case letters, digits and "-", starting with a letter), got ${JSON.stringify(name)}${hint}` });
  }
  return name;
}

/** `group:default/payments` → `payments`; `group:platform/payments` → `platform/payments`. */
export function ownerOf(ref: string): Owner {
  const withoutKind = ref.replace(/^[A-Za-z][A-Za-z0-9]*:/, '');
  return { name: withoutKind.replace(/^default\//, ''), ref };
}

function labelsOf({ entity }: CatalogComponent): Record<string, string> {
  const { type, lifecycle, system, owner } = entity.spec;
  const tags = entity.metadata.tags?.join(',');
  return { type, lifecycle, owner, ...(system !== undefined && { system }), ...(tags && { tags }) };
}

function serviceFragment(
  description: string | undefined,
  owner: Owner,
  annotations: Partial<Record<Annotation, string>>,
  fromCatalogDir: (path: string) => string,
  problems: Problem[],
): ServiceFragment {
  const commandLine = commandOf(annotations['slipway.dev/command'], problems);
  const port = portOf(annotations['slipway.dev/port'], problems);
  const healthPath = annotations['slipway.dev/health-path'];
  if (healthPath !== undefined && !healthPath.startsWith('/')) problems.push({ path: annotationPath('slipway.dev/health-path'), message: `expected a path starting with "/", got ${JSON.stringify(healthPath)}` });
  if (healthPath !== undefined && port === undefined) problems.push({ path: annotationPath('slipway.dev/health-path'), at: 'key', message: 'a health path needs slipway.dev/port to probe' });
  const workingDir = annotations['slipway.dev/working-dir'];
  if (workingDir !== undefined && annotations['slipway.dev/artifact'] !== undefined) {
    problems.push({ path: annotationPath('slipway.dev/working-dir'), at: 'key', message: 'give either slipway.dev/artifact or slipway.dev/working-dir, not both' });
  }
  const replicas = annotations['slipway.dev/replicas'];
  if (replicas !== undefined && !/^\d+$/.test(replicas)) problems.push({ path: annotationPath('slipway.dev/replicas'), message: `expected a whole number of replicas, got ${JSON.stringify(replicas)}` });
  return {
    owner: owner.name,
    ...(description !== undefined && { description }),
    workload: {
      command: commandLine[0] ?? '',
      ...(commandLine.length > 1 && { args: commandLine.slice(1) }),
      ...(workingDir === undefined ? { artifact: fromCatalogDir(annotations['slipway.dev/artifact'] ?? '.') } : { workingDir: fromCatalogDir(workingDir) }),
      ...(port !== undefined && { ports: { http: port } }),
      ...(healthPath !== undefined && { readinessProbe: { httpGet: { path: healthPath, port: 'http' } } }),
    },
    ...(replicas !== undefined && { replicas: Number(replicas) }),
  };
}

function commandOf(text: string | undefined, problems: Problem[]): string[] {
  const path = annotationPath('slipway.dev/command');
  if (text === undefined) {
    problems.push({ path: ['metadata', 'annotations'], at: 'key', message: 'expected slipway.dev/command (the command line to run) or slipway.dev/score-file' });
    return [];
  }
  const words = splitCommandLine(text);
  if (words === undefined) problems.push({ path, message: `unclosed quote in ${JSON.stringify(text)}` });
  else if (words.length === 0) problems.push({ path, message: 'expected a command line, got nothing' });
  return words ?? [];
}

/** `node "my server.mjs"` → `['node', 'my server.mjs']`: words split at spaces, `'…'` and `"…"` kept whole. Undefined for an unclosed quote. */
export function splitCommandLine(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote !== undefined) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}

function portOf(text: string | undefined, problems: Problem[]): number | 'auto' | undefined {
  if (text === undefined || text === 'auto') return text;
  const port = Number(text);
  if (/^\d+$/.test(text) && port >= 1 && port <= 65535) return port;
  problems.push({ path: annotationPath('slipway.dev/port'), message: `expected a port from 1 to 65535 or "auto", got ${JSON.stringify(text)}` });
  return undefined;
}
