/**
 * Loading `slipway.yaml`: YAML with positions, the zod schema, then cross-references. Every
 * problem found in one pass is reported together, each with file, line and column.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError, SlipwayError, type InputIssue } from '../errors.js';
import { loadScoreFile, type ScoreOrigins } from './score/index.js';
import { crossReferenceProblems, runtimeRefusals } from './cross-references.js';
import { ProjectFile } from './schema.js';
import { invalid, parseYaml, type ParsedYaml } from './yaml-file.js';
import type { EntryKind } from './yaml-source.js';
import { loadLayers, type Layer } from './layers.js';

/** A loaded, valid project file and its layers. */
export interface Project {
  /** Absolute path of the project file. */
  readonly file: string;
  /** Absolute directory of the project file; relative paths in it are relative to this. */
  readonly dir: string;
  /** The file's content with defaults applied. */
  readonly spec: ProjectFile;
  /** The file as written (no defaults) and where each value is: for provenance. */
  readonly source: Pick<ParsedYaml<ProjectFile>, 'written' | 'locate'>;
  /** The layer files named in `layers`, in that order. */
  readonly layers: readonly Layer[];
  /** For each service made from a Score file (`scoreFiles`), where in that file its fields were set. */
  readonly scoreOrigins?: Readonly<Record<string, ScoreOrigins>>;
}

/** File names looked for, in order, by `findProjectFile`. */
export const PROJECT_FILE_NAMES = ['slipway.yaml', 'slipway.yml'] as const;

const topLevelKinds: Record<string, string> = { services: 'service', environments: 'environment', targets: 'target' };
const entryKind: EntryKind = (mapPath) => (mapPath.length === 1 ? topLevelKinds[String(mapPath[0])] : undefined);

/**
 * Parses and validates the text of a project file; `file` names it in issues. Pure.
 * Returns the spec with defaults applied, or throws `InvalidInputError` carrying every issue
 * found (syntax problems alone when the YAML itself is broken), ordered by position.
 */
export function parseProject(text: string, file: string): ProjectFile {
  return parseProjectFile(text, file).value;
}

/** `parseProject` with what was written and where: for provenance. */
export function parseProjectFile(text: string, file: string): ParsedYaml<ProjectFile> {
  return parseYaml(ProjectFile, text, file, { entryKind, crossCheck: crossReferenceProblems });
}

/** Reads a whole input file as UTF-8 text, given its absolute path; rejects as `readFile` does. */
export type ReadText = (path: string) => Promise<string>;

const readText: ReadText = (path) => readFile(path, 'utf8');

/**
 * Reads and validates the project file at `file` (relative to the working directory or absolute),
 * with its layer and Score files, each read once through `read`.
 * Throws `SlipwayError` `project-not-found` when there is no such file, `InvalidInputError` when it is invalid.
 */
export async function loadProject(file: string, read: ReadText = readText): Promise<Project> {
  const path = resolve(file);
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    throw notFound(error, path) ?? error;
  }
  const { parsed, scoreOrigins } = await withScoreServices(parseProjectFile(text, path), dirname(path), read);
  const layers = await loadLayers(parsed, dirname(path), read);
  return { file: path, dir: dirname(path), spec: parsed.value, source: parsed, layers, scoreOrigins };
}

/** Every file `project` was read from: the project file, then its layer files and its Score files. */
export function projectInputFiles(project: Pick<Project, 'file' | 'dir' | 'spec'>): string[] {
  return [project.file, ...[...project.spec.layers, ...project.spec.scoreFiles].map((file) => resolve(project.dir, file))];
}

/**
 * The project with the services of its Score files added, as if written in it, and for each of
 * them where in its Score file each field was set (for provenance). A name declared twice, a
 * missing or invalid Score file are positioned issues, all reported together.
 */
async function withScoreServices(
  parsed: ParsedYaml<ProjectFile>,
  dir: string,
  read: ReadText,
): Promise<{ parsed: ParsedYaml<ProjectFile>; scoreOrigins: Record<string, ScoreOrigins> }> {
  const scoreOrigins: Record<string, ScoreOrigins> = {};
  if (parsed.value.scoreFiles.length === 0) return { parsed, scoreOrigins };
  const services = { ...parsed.value.services };
  const issues: InputIssue[] = [];
  for (const [index, file] of parsed.value.scoreFiles.entries()) {
    const at = (message: string): InputIssue => ({ ...parsed.locate(['scoreFiles', index]), path: `scoreFiles[${index}]`, message });
    try {
      const { name, service, origins, locateWorkload } = await loadScoreFile(resolve(dir, file), dir, read);
      if (name in services) issues.push(at(`service "${name}" of ${file} is declared already`));
      else [services[name], scoreOrigins[name]] = [service, origins];
      for (const refusal of runtimeRefusals(service.workload, parsed.value)) issues.push({ ...locateWorkload(refusal.path, refusal.at), message: refusal.message });
    } catch (error) {
      if (error instanceof InvalidInputError) issues.push(...error.issues);
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') issues.push(at(`no Score file at ${resolve(dir, file)}`));
      else throw error;
    }
  }
  if (issues.length > 0) throw invalid(issues);
  const written = parsed.written as { services?: Record<string, unknown> };
  const writtenServices = { ...written.services, ...Object.fromEntries(Object.entries(services).filter(([name]) => !written.services?.[name])) };
  return { parsed: { ...parsed, value: { ...parsed.value, services }, written: { ...written, services: writtenServices } }, scoreOrigins };
}

/**
 * The absolute path of `slipway.yaml` (or else `slipway.yml`) in `startDir`; parent directories
 * are not searched. Throws `SlipwayError` `project-not-found` saying where it looked.
 */
export function findProjectFile(startDir: string): string {
  const dir = resolve(startDir);
  for (const name of PROJECT_FILE_NAMES) {
    const path = join(dir, name);
    if (isFile(path)) return path;
  }
  throw new SlipwayError('project-not-found', `no ${PROJECT_FILE_NAMES.join(' or ')} in ${dir}; "slipway init" writes a starter`);
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The not-found error for a failed read, or undefined when the failure is of another kind. */
function notFound(error: unknown, path: string): SlipwayError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return new SlipwayError('project-not-found', `${path} is a directory, not a project file`, { cause: error });
  if (code === 'ENOENT' || code === 'ENOTDIR') return new SlipwayError('project-not-found', `no project file at ${path}`, { cause: error });
  return undefined;
}
