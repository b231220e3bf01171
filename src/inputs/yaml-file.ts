/**
 * One YAML file checked against a zod schema, with every problem positioned: the pipeline that
 * the project file, layer files and other inputs share. Pure.
 */
import type { z } from 'zod';
import { InvalidInputError, type InputIssue, type SourcePosition } from '../errors.js';
import { YamlSource, type EntryKind, type Problem } from './yaml-source.js';
import { explainIssues } from './zod-issues.js';

/** A valid file: its checked value, the data as written (before defaults), and positions. */
export interface ParsedYaml<T> {
  readonly file: string;
  readonly value: T;
  /** The document as written: no defaults, no transforms. */
  readonly written: unknown;
  /** The position of the value at `path`, or of the nearest part of it that exists. */
  locate(path: readonly PropertyKey[]): SourcePosition;
}

export interface ParseYamlOptions<T> {
  /** Names the entries of maps, for duplicate messages (`duplicate service "api"`). */
  readonly entryKind?: EntryKind;
  /** Problems the schema cannot see (references between parts); run only once the schema passes. */
  readonly crossCheck?: (value: T) => Problem[];
}

/**
 * Parses `text` and checks it against `schema`. Throws `InvalidInputError` with every issue found
 * (syntax problems alone when the YAML itself is broken), ordered by position.
 */
export function parseYaml<S extends z.ZodType>(schema: S, text: string, file: string, options: ParseYamlOptions<z.infer<S>> = {}): ParsedYaml<z.infer<S>> {
  const source = YamlSource.parse(text, file);
  const syntax = source.syntaxIssues();
  if (syntax.length > 0) throw invalid(syntax);
  const issues = source.duplicateIssues(options.entryKind ?? (() => undefined));
  const data = source.value();
  if ('issue' in data) throw invalid([...issues, data.issue]);
  const parsed = schema.safeParse(data.value);
  const problems = parsed.success ? (options.crossCheck?.(parsed.data) ?? []) : explainIssues(schema, data.value, parsed.error.issues);
  issues.push(...problems.map((problem) => source.locate(problem)));
  if (issues.length > 0 || !parsed.success) throw invalid(issues);
  return {
    file,
    value: parsed.data,
    written: data.value,
    locate: (path) => {
      const { file: at, line, column } = source.locate({ path, message: '' });
      return { file: at, line, column };
    },
  };
}

/** One error for many issues: duplicates dropped, ordered by file and position. */
export function invalid(issues: readonly InputIssue[]): InvalidInputError {
  const unique = [...new Map(issues.map((issue) => [JSON.stringify(issue), issue])).values()];
  return new InvalidInputError(unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column));
}
