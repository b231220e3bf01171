/**
 * Loading `slipway.yaml`: YAML with positions, the zod schema, then cross-references. Every
 * problem found in one pass is reported together, each with file, line and column.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError, SlipwayError, type InputIssue } from '../errors.js';
import { crossReferenceProblems } from './cross-references.js';
import { ProjectFile } from './schema.js';
import { YamlSource, type EntryKind } from './yaml-source.js';
import { explainIssues } from './zod-issues.js';

/** A loaded, valid project file. */
export interface Project {
  /** Absolute path of the project file. */
  readonly file: string;
  /** Absolute directory of the project file; relative paths in it are relative to this. */
  readonly dir: string;
  /** The file's content with defaults applied. */
  readonly spec: ProjectFile;
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
  const source = YamlSource.parse(text, file);
  const syntax = source.syntaxIssues();
  if (syntax.length > 0) throw invalid(syntax);
  const issues = source.duplicateIssues(entryKind);
  const data = source.value();
  if ('issue' in data) throw invalid([...issues, data.issue]);
  const parsed = ProjectFile.safeParse(data.value);
  const problems = parsed.success ? crossReferenceProblems(parsed.data) : explainIssues(ProjectFile, data.value, parsed.error.issues);
  issues.push(...problems.map((problem) => source.locate(problem)));
  if (issues.length > 0 || !parsed.success) throw invalid(issues);
  return parsed.data;
}

function invalid(issues: readonly InputIssue[]): InvalidInputError {
  const unique = [...new Map(issues.map((issue) => [JSON.stringify(issue), issue])).values()];
  return new InvalidInputError(unique.sort((a, b) => a.line - b.line || a.column - b.column));
}

/**
 * Reads and validates the project file at `file` (relative to the working directory or absolute).
 * Throws `SlipwayError` `project-not-found` when there is no such file, `InvalidInputError` when it is invalid.
 */
export async function loadProject(file: string): Promise<Project> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw notFound(error, path) ?? error;
  }
  return { file: path, dir: dirname(path), spec: parseProject(text, path) };
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
