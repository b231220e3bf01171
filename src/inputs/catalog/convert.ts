/**
 * A Backstage Component turned into what Slipway adds to a project: a service, or a Score file
 * that describes it. A Component needs no Slipway annotation when its source (`source.ts`) holds a
 * Containerfile, Dockerfile or Score file; `slipway.dev/*` annotations (all optional) say more:
 *
 * | annotation | meaning |
 * | --- | --- |
 * | `slipway.dev/score-file` | a Score file (relative to the catalog file) that describes the workload; then none of the workload annotations below may be given |
 * | `slipway.dev/command` | the command line, split at spaces (quote with `'` or `"` to keep spaces); runs from an artifact instead of a source's image |
 * | `slipway.dev/artifact` | directory snapshotted into each release, relative to the catalog file; default: the catalog file's directory |
 * | `slipway.dev/working-dir` | run in this directory as it is (instead of an artifact), relative to the catalog file |
 * | `slipway.dev/port` | the `http` port: a number, or `auto` |
 * | `slipway.dev/health-path` | readiness probe path on the `http` port, e.g. `/healthz` (needs a port) |
 * | `slipway.dev/replicas` | replicas, a whole number |
 * | `slipway.dev/name` | the service name, when the entity name is no Slipway name |
 *
 * The service is named as the entity in the default namespace, `<namespace>-<name>` in another
 * (`relations.ts`); its `catalog` block keeps the entity reference, system, owner, lifecycle and
 * APIs; `spec.dependsOn` becomes `dependsOn` and resource requests. The owner is `spec.owner`
 * without its kind and default namespace (`group:default/payments` → `payments`); the full
 * reference, lifecycle, system, type and tags are returned as labels.
 */
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { Name, Service, type CatalogEntry, type Source } from '../schema.js';
import { formatPath, type Problem } from '../yaml-source.js';
import { invalid } from '../yaml-file.js';
import { explainIssues } from '../zod-issues.js';
import { unknownName } from '../suggest.js';
import { projectPath } from '../score/convert.js';
import type { CatalogComponent } from './parse.js';
import { componentRef, dependenciesOf, slipwayName } from './relations.js';
import { DEFAULT_NAMESPACE, type ResourceEntity } from './schema.js';
import { SOURCE_ANNOTATIONS, sourceLocation, type SourceLocation } from './source.js';

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
  /** What the user should know: a source Slipway could not look into, dependencies left out. */
  readonly notes: readonly string[];
} & ({ readonly kind: 'service'; readonly service: ServiceFragment } | { readonly kind: 'score-file'; readonly scoreFile: string });

/** What the conversion may consult besides the Component. */
export interface CatalogContext {
  /** Absolute directory of the project file: paths in the fragment are relative to it. */
  readonly projectDir: string;
  /** The `Resource` entities of the catalog file, for `dependsOn`. */
  readonly resources?: readonly ResourceEntity[];
  /** The names of the files in a directory (absolute path), undefined when it is none; absent: local sources are not looked into. */
  readonly listDir?: (dir: string) => readonly string[] | undefined;
}

/** The Score file names looked for in a local source, then the image recipes. */
const SCORE_FILES = ['score.yaml', 'score.yml'];
const CONTAINERFILES = ['Containerfile', 'Dockerfile'];

/**
 * What `component` adds to the project: a service fragment, or the path of its Score file relative
 * to `context.projectDir`. The workload comes, first found, from `slipway.dev/score-file`,
 * `slipway.dev/command`, a Score file in a local source, or a source's image build: a local
 * source's Containerfile or Dockerfile, or a remote repository's (taken on trust, and noted).
 * Reads no file itself; a local source is listed through `context.listDir`. Throws
 * `InvalidInputError` with every problem, positioned in the catalog file.
 */
export function catalogToService(component: CatalogComponent, context: CatalogContext): CatalogService {
  const { entity } = component;
  const problems: Problem[] = [];
  const notes: string[] = [];
  const given = entity.metadata.annotations ?? {};
  const annotations = slipwayAnnotations(given, problems);
  const namespace = entity.metadata.namespace ?? DEFAULT_NAMESPACE;
  const name = serviceName(slipwayName(namespace, entity.metadata.name), annotations['slipway.dev/name'], problems);
  const owner = ownerOf(entity.spec.owner);
  const labels = labelsOf(component);
  const catalogDir = dirname(resolve(component.file));
  const fromCatalogDir = (path: string): string => projectPath(resolve(catalogDir, path), context.projectDir);
  const located = annotations['slipway.dev/score-file'] ?? annotations['slipway.dev/command'];
  const source = located === undefined ? sourceLocation(given, catalogDir, problems) : undefined;
  const local = source?.kind === 'dir' ? localSource(source.dir, context.listDir, problems) : undefined;
  const scoreFile = annotations['slipway.dev/score-file'] ?? local?.scoreFile;
  if (scoreFile !== undefined) {
    const named = annotations['slipway.dev/score-file'] === undefined ? fromCatalogDir(scoreFile) : 'slipway.dev/score-file';
    for (const key of WORKLOAD_ANNOTATIONS.filter((key) => annotations[key] !== undefined)) {
      problems.push({ path: annotationPath(key), at: 'key', message: `the Score file (${named}) describes the workload; set this there instead` });
    }
    if (problems.length > 0) throw invalid(problems.map((problem) => component.locate(problem)));
    if (annotations['slipway.dev/score-file'] === undefined) {
      notes.push(`the Score file ${named} of the source describes the workload; the catalog fields and the source are not recorded (a Score file carries neither)`);
    }
    return { kind: 'score-file', name, owner, labels, notes, scoreFile: fromCatalogDir(scoreFile) };
  }
  const build = source && imageBuild(source, local, context.projectDir, notes);
  if (annotations['slipway.dev/command'] === undefined && source === undefined) {
    const expected = `expected a source (${SOURCE_ANNOTATIONS.join(', ')}) with a Containerfile, Dockerfile or score.yaml`;
    problems.push({ path: ['metadata', 'annotations'], at: 'key', message: `${expected}, or slipway.dev/command (the command line to run), or slipway.dev/score-file` });
  }
  const dependencies = dependenciesOf(entity.spec.dependsOn ?? [], namespace, context.resources ?? []);
  notes.push(...dependencies.notes);
  const description = entity.metadata.description ?? entity.metadata.title;
  const { workload, replicas, ...described } = serviceFragment(description, owner, annotations, build === undefined ? fromCatalogDir : undefined, problems);
  const service: ServiceFragment = {
    ...described,
    ...(build !== undefined && { source: build }),
    catalog: catalogEntry(entity),
    workload,
    ...(replicas !== undefined && { replicas }),
    ...(Object.keys(dependencies.resources).length > 0 && { resources: dependencies.resources }),
    ...(dependencies.services.length > 0 && { dependsOn: dependencies.services.map((service) => ({ service })) }),
  };
  if (problems.length === 0) {
    const parsed = Service.safeParse(service);
    // Each annotation is checked above; this is what remains of Slipway's own rules.
    if (!parsed.success) problems.push(...explainIssues(Service, service, parsed.error.issues).map((p) => ({ path: ['metadata', 'annotations'], message: `${formatPath(p.path)}: ${p.message}` })));
  }
  if (problems.length > 0) throw invalid(problems.map((problem) => component.locate(problem)));
  return { kind: 'service', name, owner, labels, notes, service };
}

/**
 * What a local source holds that Slipway builds from: a Score file (its absolute path), a
 * Containerfile or Dockerfile (its name). A directory that is none, or holds neither, is a problem.
 */
function localSource(dir: string, listDir: CatalogContext['listDir'], problems: Problem[]): { scoreFile?: string; containerfile?: string } | undefined {
  if (listDir === undefined) return undefined;
  const files = listDir(dir);
  const path = annotationPath('backstage.io/source-location');
  if (files === undefined) {
    problems.push({ path, message: `no directory at ${dir}` });
    return undefined;
  }
  const scoreFile = SCORE_FILES.find((file) => files.includes(file));
  const containerfile = CONTAINERFILES.find((file) => files.includes(file));
  if (scoreFile === undefined && containerfile === undefined) {
    problems.push({ path, message: `${dir} holds no ${[...SCORE_FILES, ...CONTAINERFILES].join(', ')}: add one, or give slipway.dev/command` });
  }
  return { ...(scoreFile !== undefined && { scoreFile: join(dir, scoreFile) }), ...(containerfile !== undefined && { containerfile }) };
}

/** The service's `source`: the repository (a local one relative to the project) built as an image. */
function imageBuild(source: SourceLocation, local: { containerfile?: string } | undefined, projectDir: string, notes: string[]): z.input<typeof Source> {
  if (source.kind === 'dir') {
    // Containerfile is the build's default; a Dockerfile alone is named.
    return { repository: projectPath(source.dir, projectDir), ...(local?.containerfile === 'Dockerfile' && { build: { containerfile: 'Dockerfile' } }) };
  }
  const at = source.context === undefined ? "the repository's root" : `${source.context}/`;
  notes.push(
    `the source ${source.repository} (${source.annotation}) is not on this machine: each tag is built from the Containerfile or Dockerfile in ${at}, and the build fails if there is none`,
  );
  return { repository: source.repository, ...(source.context !== undefined && { build: { context: source.context } }) };
}

/** The catalog fields a service keeps, to be shown and looked up by reference. */
function catalogEntry(entity: CatalogComponent['entity']): CatalogEntry {
  const { system, owner, lifecycle, providesApis, consumesApis } = entity.spec;
  return {
    entityRef: componentRef(entity.metadata.namespace, entity.metadata.name),
    ...(system !== undefined && { system }),
    owner,
    lifecycle,
    ...(providesApis?.length && { providesApis }),
    ...(consumesApis?.length && { consumesApis }),
  };
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

/** The service from its annotations; `fromCatalogDir` is absent when the source's image build makes the workload (then no artifact and no command are needed). */
function serviceFragment(
  description: string | undefined,
  owner: Owner,
  annotations: Partial<Record<Annotation, string>>,
  fromCatalogDir: ((path: string) => string) | undefined,
  problems: Problem[],
): ServiceFragment {
  const commandLine = commandOf(annotations['slipway.dev/command'], problems);
  if (fromCatalogDir === undefined) {
    for (const key of (['slipway.dev/artifact', 'slipway.dev/working-dir'] as const).filter((key) => annotations[key] !== undefined)) {
      problems.push({ path: annotationPath(key), at: 'key', message: 'the source\'s image build makes the workload; this needs slipway.dev/command' });
    }
  }
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
      ...(commandLine.length > 0 && { command: commandLine[0] }),
      ...(commandLine.length > 1 && { args: commandLine.slice(1) }),
      ...(fromCatalogDir !== undefined &&
        (workingDir === undefined ? { artifact: fromCatalogDir(annotations['slipway.dev/artifact'] ?? '.') } : { workingDir: fromCatalogDir(workingDir) })),
      ...(port !== undefined && { ports: { http: port } }),
      ...(healthPath !== undefined && { readinessProbe: { httpGet: { path: healthPath, port: 'http' } } }),
    },
    ...(replicas !== undefined && { replicas: Number(replicas) }),
  };
}

function commandOf(text: string | undefined, problems: Problem[]): string[] {
  const path = annotationPath('slipway.dev/command');
  if (text === undefined) return [];
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
