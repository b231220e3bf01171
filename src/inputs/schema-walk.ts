/**
 * Reads a zod schema as data: which schema applies at a path of a document, which keys a map
 * there allows, and what it expects, in words. Used to explain validation issues without
 * hard-coding anything about the project file's shape.
 */
import type { z } from 'zod';

type Schema = z.core.$ZodType;
type Def = z.core.$ZodTypes['_zod']['def'];
type Segment = PropertyKey;

function defOf(schema: Schema): Def {
  return (schema as z.core.$ZodTypes)._zod.def;
}

/** The schema that validates the value itself, seen from the input side: wrappers removed. */
function unwrap(schema: Schema): Schema {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nonoptional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.in);
    case 'lazy':
      return unwrap(def.getter());
    default:
      return schema;
  }
}

/**
 * The schema that applies at `path` inside a value checked by `root`, or undefined where the
 * path leaves the schema (an unknown key, or a union branch no value matches). `data` is the
 * document being checked: a discriminated union picks the branch its discriminator names.
 */
export function schemaAt(root: Schema, path: readonly Segment[], data: unknown): Schema | undefined {
  let schema: Schema | undefined = root;
  let value = data;
  for (const segment of path) {
    if (!schema) return undefined;
    schema = childSchema(unwrap(schema), segment, value);
    value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  return schema;
}

function childSchema(schema: Schema, segment: Segment, value: unknown): Schema | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      const catchall = def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined;
      return def.shape[String(segment)] ?? catchall;
    }
    case 'record':
      return def.valueType;
    case 'array':
      return def.element;
    case 'union': {
      const branch = unionBranch(def, value);
      return branch && childSchema(unwrap(branch), segment, value);
    }
    default:
      return undefined;
  }
}

/** The union branch for `value`: the one its discriminator selects, else the first object-like one. */
function unionBranch(def: z.core.$ZodUnionDef, value: unknown): Schema | undefined {
  const discriminator = (def as { discriminator?: string }).discriminator;
  if (discriminator === undefined) return def.options.find((option) => ['object', 'record', 'array'].includes(defOf(unwrap(option)).type));
  const chosen = isRecord(value) ? value[discriminator] : undefined;
  return def.options.find((option) => {
    const field = childSchema(unwrap(option), discriminator, value);
    return field !== undefined && literalValues(field).includes(chosen);
  });
}

/** The values a literal or enum schema admits; empty for any other schema. */
function literalValues(schema: Schema): readonly unknown[] {
  const def = defOf(unwrap(schema));
  if (def.type === 'literal') return def.values;
  if (def.type === 'enum') return Object.values(def.entries);
  if (def.type === 'union') return def.options.flatMap(literalValues);
  return [];
}

/** The strings a schema admits when it admits nothing else (`z.enum`, string literals); undefined otherwise. */
export function stringChoices(schema: Schema): readonly string[] | undefined {
  const def = defOf(unwrap(schema));
  const closed = def.type === 'literal' || def.type === 'enum' || (def.type === 'union' && def.options.every((option) => stringChoices(option)));
  const values = literalValues(schema);
  return closed && values.every((value) => typeof value === 'string') ? (values as string[]) : undefined;
}

/** The schema for the keys of a record; undefined when `schema` is no record. */
export function recordKeyType(schema: Schema): Schema | undefined {
  const def = defOf(unwrap(schema));
  return def.type === 'record' ? def.keyType : undefined;
}

/**
 * The keys an object schema declares, for the map `value` it checks (a union picks its branch
 * for the value); undefined when the schema is no object.
 */
export function allowedKeys(schema: Schema, value: unknown): readonly string[] | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'union') {
    const branch = unionBranch(def, value);
    return branch && allowedKeys(branch, value);
  }
  return def.type === 'object' ? Object.keys(def.shape) : undefined;
}

/** What `schema` expects, as the end of "expected …": `a whole number from 1 to 65535`. */
export function describeSchema(schema: Schema): string {
  const inner = unwrap(schema);
  if (inner !== schema) return describeSchema(inner);
  const def = defOf(schema);
  switch (def.type) {
    case 'nullable':
      return `${describeSchema(def.innerType)} or nothing`;
    case 'string':
      return describeString(checksOf(def));
    case 'number':
      return describeNumber(checksOf(def));
    case 'boolean':
      return 'true or false';
    case 'literal':
    case 'enum':
      return oneOf(literalValues(schema).map((value) => JSON.stringify(value)));
    case 'union':
      return unionDescription(def);
    case 'object':
    case 'record':
      return 'a map';
    case 'array':
      return checksOf(def).some((check) => check._zod.def.check === 'min_length') ? 'a non-empty list' : 'a list';
    default:
      return 'a valid value';
  }
}

function unionDescription(def: z.core.$ZodUnionDef): string {
  const discriminator = (def as { discriminator?: string }).discriminator;
  if (discriminator !== undefined) {
    const values = def.options.flatMap((option) => literalValues(childSchema(unwrap(option), discriminator, undefined) ?? option));
    return `a map with ${discriminator} ${oneOf(values.map((value) => JSON.stringify(value)))}`;
  }
  const alternatives = [...new Set(def.options.map(describeSchema))];
  // "a name of letters, digits and "-"; or a number": a semicolon where the alternatives have commas of their own.
  return alternatives.join(alternatives.some((text) => text.includes(',')) ? '; or ' : ' or ');
}

function oneOf(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? 'nothing';
  return `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function checksOf(def: { checks?: readonly z.core.$ZodCheck<never>[] }): readonly z.core.$ZodChecks[] {
  return (def.checks ?? []) as readonly z.core.$ZodChecks[];
}

function describeString(checks: readonly z.core.$ZodChecks[]): string {
  for (const check of checks) {
    const def = check._zod.def;
    if (def.check !== 'string_format') continue;
    const custom = customMessage(check);
    if (custom) return custom;
    if (def.format === 'starts_with') return `text starting with "${(def as z.core.$ZodCheckStartsWithDef).prefix}"`;
    if (def.pattern) return `text matching ${def.pattern}`;
  }
  const min = checks.find((check) => check._zod.def.check === 'min_length');
  return min ? 'non-empty text' : 'text';
}

function describeNumber(checks: readonly z.core.$ZodChecks[]): string {
  const whole = checks.some((check) => check._zod.def.check === 'number_format' && check._zod.def.format.includes('int'));
  const bounds: string[] = [];
  let low: z.core.$ZodCheckGreaterThanDef | undefined;
  let high: z.core.$ZodCheckLessThanDef | undefined;
  for (const check of checks) {
    const def = check._zod.def;
    if (def.check === 'greater_than') low = def;
    if (def.check === 'less_than') high = def;
  }
  if (low?.inclusive && high?.inclusive) bounds.push(`from ${low.value} to ${high.value}`);
  else {
    if (low) bounds.push(`${low.inclusive ? '≥' : '>'} ${low.value}`);
    if (high) bounds.push(`${high.inclusive ? '≤' : '<'} ${high.value}`);
  }
  return [whole ? 'a whole number' : 'a number', ...bounds].join(' ');
}

/** The message a check was given in the schema (`.regex(re, 'a name…')`), if any. */
function customMessage(check: z.core.$ZodChecks): string | undefined {
  const out = check._zod.def.error?.({ code: 'custom', input: undefined, path: [] } as never);
  return typeof out === 'string' ? out : (out?.message ?? undefined);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
