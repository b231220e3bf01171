/**
 * Onboarding a Backstage Component into a project file: the new text of `slipway.yaml` with the
 * service (or its Score file) added, comments and formatting of the existing text kept. Writes nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Document, isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Scalar } from 'yaml';
import { ConflictError, formatIssue, InvalidInputError, NotFoundError, SlipwayError } from '../../errors.js';
import { parseProject } from '../load.js';
import type { ProjectFile } from '../schema.js';
import { projectPath } from '../score/convert.js';
import { loadScoreFile, parseScore } from '../score/load.js';
import { catalogToService, type CatalogService } from './convert.js';
import { parseCatalogInfo, type CatalogComponent } from './parse.js';

/** The result of onboarding: what to add, and the whole new project file. */
export interface Onboarding {
  /** The service's name. */
  readonly name: string;
  /** The YAML added to the project file, alone (with its comment). */
  readonly yamlSnippet: string;
  /** The project file's new text: the old text, with the addition. */
  readonly updatedText: string;
  /** Things worth telling the user: skipped entities, a source not looked into, dependencies left out, an owner the Score file does not carry. */
  readonly notes: readonly string[];
  /** Where the Component's annotations are (or would go) in the catalog file, `file:line:column`: for a hint on what to add. */
  readonly annotationsAt: string;
}

/**
 * Adds the Component of `catalogFile` to the project file `projectFile` and returns the new text;
 * reads both files (and a Score file the Component names), writes none. `component` picks one
 * Component by name when the catalog file has several.
 * Throws `InvalidInputError` (positioned) when either file, or the Score file, is invalid or the
 * choice of Component is ambiguous, and `ConflictError` when the project already has the service.
 */
export async function onboardService(catalogFile: string, projectFile: string, options: { readonly component?: string } = {}): Promise<Onboarding> {
  const projectAt = resolve(projectFile);
  const projectDir = dirname(projectAt);
  const projectText = await readInput(projectAt, 'project file');
  const project = parseProject(projectText, projectAt);
  const catalog = parseCatalogInfo(await readInput(resolve(catalogFile), 'catalog file'), catalogFile);
  const component = pickComponent(catalog.components, options.component);
  const addition = catalogToService(component, { projectDir, resources: catalog.resources, listDir });
  const notes = [...catalog.notes, ...addition.notes];
  await refuseExisting(addition, project, projectDir);
  if (addition.kind === 'score-file') notes.push(...(await scoreFileNotes(addition, projectDir)));
  if (addition.kind === 'service') notes.push(...(await missingDependencies(addition, project, projectDir)));

  const comment = ` Onboarded from ${projectPath(resolve(catalogFile), projectDir)}: ${Object.entries(addition.labels)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ')}`;
  const yamlSnippet = snippetOf(addition, comment);
  const updatedText = withAddition(projectText, addition, yamlSnippet);
  parseProject(updatedText, projectAt);
  const annotationsAt = formatIssue({ ...component.locate({ path: ['metadata', 'annotations'], at: 'key', message: '' }), path: '' }).replace(/: $/, '');
  return { name: addition.name, yamlSnippet, updatedText, notes, annotationsAt };
}

/**
 * The text of an input file; a missing one is a `NotFoundError` (exit 3), a directory or an
 * unreadable file an `unsupported-file` error (exit 2), each naming the path.
 */
async function readInput(path: string, kind: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(kind, path);
    if (code === 'EISDIR') {
      const inside = join(path, 'catalog-info.yaml');
      const hint = kind === 'catalog file' && existsSync(inside) ? `; did you mean ${inside}?` : '';
      throw new SlipwayError('unsupported-file', `${path} is a directory, not a ${kind}${hint}`, { cause: error });
    }
    throw new SlipwayError('unsupported-file', `cannot read the ${kind} ${path}: ${code ?? (error as Error).message}`, { cause: error });
  }
}

/** The names of the files in `dir`; undefined when it is no readable directory. */
function listDir(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** A note for each service the addition depends on that the project (its services or Score files) does not have yet. */
async function missingDependencies(addition: CatalogService & { kind: 'service' }, project: ProjectFile, projectDir: string): Promise<string[]> {
  const notes: string[] = [];
  for (const { service } of addition.service.dependsOn ?? []) {
    if (service in project.services || (await scoreFileNamed(service, project.scoreFiles, projectDir)) !== undefined) continue;
    notes.push(`${addition.name} depends on service "${service}", which the project does not have yet: onboard it too (until it runs in an environment, promotions of ${addition.name} into it wait)`);
  }
  return notes;
}

function pickComponent(components: readonly CatalogComponent[], name: string | undefined): CatalogComponent {
  const names = components.map((c) => c.entity.metadata.name);
  const chosen = name === undefined ? (components.length === 1 ? components[0] : undefined) : components.find((c) => c.entity.metadata.name === name);
  if (chosen) return chosen;
  const first = components[0]!;
  const message = name === undefined ? `several Components (${names.join(', ')}): name the one to onboard` : `no Component ${JSON.stringify(name)} here (found: ${names.join(', ')})`;
  throw new InvalidInputError([first.locate({ path: ['metadata', 'name'], message })]);
}

/** Throws `ConflictError` when a service of that name, that Score file, or a service from that Component is already in the project. */
async function refuseExisting(addition: CatalogService, project: ProjectFile, projectDir: string): Promise<void> {
  if (addition.kind === 'score-file' && project.scoreFiles.some((file) => resolve(projectDir, file) === resolve(projectDir, addition.scoreFile))) {
    throw new ConflictError(`the project already lists the Score file ${addition.scoreFile}`);
  }
  const existing = Object.keys(project.services).includes(addition.name) ? 'services' : await scoreFileNamed(addition.name, project.scoreFiles, projectDir);
  if (existing !== undefined) throw new ConflictError(`service ${JSON.stringify(addition.name)} already exists in the project (${existing}); remove it first, or onboard under another slipway.dev/name`);
  const ref = addition.kind === 'service' ? addition.service.catalog?.entityRef.toLowerCase() : undefined;
  const same = Object.entries(project.services).find(([, service]) => ref !== undefined && service.catalog?.entityRef.toLowerCase() === ref);
  if (same) throw new ConflictError(`service ${JSON.stringify(same[0])} was onboarded from ${same[1].catalog!.entityRef} already; remove it first`);
}

/** The listed Score file whose workload is called `name`; files that cannot be read or parsed are passed over (loading the project reports them). */
async function scoreFileNamed(name: string, scoreFiles: readonly string[], projectDir: string): Promise<string | undefined> {
  for (const file of scoreFiles) {
    const path = resolve(projectDir, file);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    try {
      if (text !== undefined && parseScore(text, path).spec.metadata.name === name) return `scoreFiles: ${file}`;
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
    }
  }
  return undefined;
}

/** Loads the Score file (so a broken one is refused now) and says where it and the catalog disagree. */
async function scoreFileNotes(addition: CatalogService & { kind: 'score-file' }, projectDir: string): Promise<string[]> {
  const { name, service } = await loadScoreFile(resolve(projectDir, addition.scoreFile), projectDir, (path) => readInput(path, 'Score file'));
  if (name !== addition.name) {
    throw new ConflictError(`the Score file ${addition.scoreFile} names its workload ${JSON.stringify(name)}, the Component ${JSON.stringify(addition.name)}; make them agree`);
  }
  if (service.owner === addition.owner.name) return [];
  const has = service.owner === undefined ? 'names no owner' : `names owner ${JSON.stringify(service.owner)}`;
  return [`the Score file ${addition.scoreFile} ${has}; add "slipway.dev/owner: ${addition.owner.name}" to its metadata.annotations to carry the catalog owner (${addition.owner.ref})`];
}

/** `{ services: { <name>: … } }` or `{ scoreFiles: [<path>] }` as YAML, the entry under `comment`. */
function snippetOf(addition: CatalogService, comment: string): string {
  const doc = new Document({});
  const entry = addition.kind === 'service' ? doc.createPair(addition.name, addition.service) : doc.createNode(addition.scoreFile);
  ('key' in entry ? (entry.key as Scalar) : entry).commentBefore = comment;
  doc.set(collectionKey(addition), addition.kind === 'service' ? new YAMLMap() : new YAMLSeq());
  (doc.get(collectionKey(addition), true) as YAMLMap | YAMLSeq).items.push(entry as never);
  return doc.toString();
}

const collectionKey = (addition: CatalogService): 'services' | 'scoreFiles' => (addition.kind === 'service' ? 'services' : 'scoreFiles');

/**
 * `text` with the snippet's entry added at the end of the same top-level map or list, every other
 * byte as it was; the whole snippet appended when the key is absent. Only a collection written in
 * flow style or left empty is rewritten through the YAML library (which may normalize its spacing).
 */
function withAddition(text: string, addition: CatalogService, snippet: string): string {
  const doc = parseDocument(text);
  const holder = doc.get(collectionKey(addition), true);
  if (holder === undefined) return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n${snippet}`;
  if ((isMap(holder) || isSeq(holder)) && !holder.flow && holder.items.length > 0 && holder.range) {
    const [start, end] = holder.range;
    const indent = ' '.repeat(start - (text.lastIndexOf('\n', start - 1) + 1));
    const entryLines = snippet.split('\n').slice(1, -1).map((line) => indent + line.slice(SNIPPET_INDENT));
    const entry = `${addition.kind === 'service' ? '\n' : ''}${entryLines.join('\n')}\n`;
    return `${text.slice(0, end)}${text[end - 1] === '\n' ? '' : '\n'}${entry}${text.slice(end)}`;
  }
  doc.set(collectionKey(addition), parseDocument(snippet).get(collectionKey(addition), true));
  return doc.toString();
}

/** The indentation `Document.toString` gives the entries of a top-level collection. */
const SNIPPET_INDENT = 2;
