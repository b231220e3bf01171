/**
 * Turns zod's validation issues into problems a person can act on: the offending value, what
 * was expected there (read from the schema itself), and a guess for misspelt keys and names.
 */
import { z } from 'zod';
import type { InputIssue } from '../errors.js';
import type { EntryKind, Problem, YamlSource } from './yaml-source.js';
import { allowedKeys, describeSchema, recordKeyType, schemaAt, stringChoices } from './schema-walk.js';
import { unknownName } from './suggest.js';

type Issue = z.core.$ZodIssue;

/** What `checkDocument` found: the checked value when there were no issues, and every issue, positioned. */
export type DocumentCheck<T> = { readonly value: T; readonly issues: readonly [] } | { readonly value?: undefined; readonly issues: readonly InputIssue[] };

/**
 * Checks one parsed YAML document (of a stream, possibly) against `schema`, as `parseYaml` in
 * `yaml-file.ts` checks a whole file: syntax problems alone when the YAML itself is broken, else
 * duplicate keys (named by `entryKind`), schema issues, and, once the schema passed, the problems
 * `check` finds in the value. Pure; never throws.
 */
export function checkDocument<S extends z.core.$ZodType>(
  source: YamlSource,
  schema: S,
  options: { readonly entryKind?: EntryKind; readonly check?: (value: z.core.output<S>) => readonly Problem[] } = {},
): DocumentCheck<z.core.output<S>> {
  const syntax = source.syntaxIssues();
  if (syntax.length > 0) return { issues: syntax };
  const issues = source.duplicateIssues(options.entryKind ?? (() => undefined));
  const data = source.value();
  if ('issue' in data) return { issues: [...issues, data.issue] };
  const parsed = z.safeParse(schema, data.value);
  const problems = parsed.success ? (options.check?.(parsed.data) ?? []) : explainIssues(schema, data.value, parsed.error.issues);
  issues.push(...problems.map((problem) => source.locate(problem)));
  if (issues.length > 0 || !parsed.success) return { issues };
  return { value: parsed.data, issues: [] };
}

/** Problems for every issue zod found when `root` checked `data`; unknown keys become one problem each. */
export function explainIssues(root: z.core.$ZodType, data: unknown, issues: readonly Issue[]): Problem[] {
  return issues.flatMap((issue) => explainIssue(root, data, issue));
}

function explainIssue(root: z.core.$ZodType, data: unknown, issue: Issue): Problem[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(root, path, data);
      return issue.keys.map((key) => ({ path: [...path, key], at: 'key', message: unknownName('key', key, allowed) }));
    }
    case 'invalid_key': {
      const record = schemaAt(root, path.slice(0, -1), data);
      const keyType = record && recordKeyType(record);
      const expected = keyType ? describeSchema(keyType) : 'a valid key';
      return [{ path, at: 'key', message: `expected ${expected}, got ${show(path.at(-1))}` }];
    }
    case 'custom':
      // A rule about a map's key says so with `params: { at: 'key' }`.
      return [{ path, message: issue.message, ...(issue.params?.at === 'key' && { at: 'key' as const }) }];
    case 'invalid_union': {
      const branch = matchedBranch(issue);
      if (branch) return explainIssues(root, data, branch.map((inner) => ({ ...inner, path: [...path, ...inner.path] })));
      return [{ path, message: mismatch(root, data, issue) }];
    }
    default:
      return [{ path, message: mismatch(root, data, issue) }];
  }
}

/** `expected a whole number ≥ 0, got "two"`, or for a misspelt choice `unknown runtime "proc", did you mean "process"?`. */
function mismatch(root: z.core.$ZodType, data: unknown, issue: Issue): string {
  const name = String(issue.path.at(-1) ?? 'value');
  const schema = schemaAt(root, issue.path, data);
  const choices = discriminatorOptions(issue) ?? (schema && stringChoices(schema));
  const expected = choices ? choices.map((choice) => JSON.stringify(choice)).join(' or ') : schema ? describeSchema(schema) : 'a valid value';
  const value = valueAt(data, issue.path);
  if (value === undefined) return `missing required key ${JSON.stringify(name)} (expected ${expected})`;
  if (choices && typeof value === 'string') return unknownName(name, value, choices);
  return `expected ${expected}, got ${show(value)}`;
}

/**
 * The issues of the one union branch whose shape the value has (its issues lie inside the value,
 * e.g. a map given where a list or a map is allowed, with a bad entry); undefined when no single one.
 */
function matchedBranch(issue: z.core.$ZodIssueInvalidUnion): readonly Issue[] | undefined {
  const inside = issue.errors.filter((branch) => branch.some((inner) => inner.path.length > 0));
  return inside.length === 1 ? inside[0] : undefined;
}

/** The values a discriminated union accepts, when its discriminator matched none of them. */
function discriminatorOptions(issue: Issue): readonly string[] | undefined {
  if (issue.code !== 'invalid_union' || !('options' in issue) || !issue.discriminator) return undefined;
  return issue.options?.map(String);
}

function allowedKeysAt(root: z.core.$ZodType, path: readonly PropertyKey[], data: unknown): readonly string[] {
  const schema = schemaAt(root, path, data);
  return (schema && allowedKeys(schema, valueAt(data, path))) ?? [];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

const MAX_SHOWN = 40;

/** A short rendering of an offending value: `"two"`, `2.5`, `a map`, `an empty list`, `nothing`. */
function show(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty map' : 'a map';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
