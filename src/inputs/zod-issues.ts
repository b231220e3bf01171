/**
 * Turns zod's validation issues into problems a person can act on: the offending value, what
 * was expected there (read from the schema itself), and a guess for misspelt keys and names.
 */
import type { z } from 'zod';
import type { Problem } from './yaml-source.js';
import { allowedKeys, describeSchema, recordKeyType, schemaAt, stringChoices } from './schema-walk.js';
import { unknownName } from './suggest.js';

type Issue = z.core.$ZodIssue;

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
      return [{ path, message: issue.message }];
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
