import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { projectJsonSchema, PROJECT_SCHEMA_ID } from './json-schema.js';
import { parseProject } from './load.js';
import { STARTER_PROJECT } from './starter.js';

type JsonSchema = Record<string, unknown>;

/** Keywords the checker below understands; the test fails if the schema uses any other. */
const KNOWN = new Set([
  '$schema', '$id', 'title', 'description', 'default', 'type', 'properties', 'required', 'additionalProperties',
  'propertyNames', 'items', 'minItems', 'minLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'const', 'enum', 'anyOf', 'oneOf',
  'format', // an annotation in 2020-12 (format-annotation vocabulary): nothing to check
]);

function subschemas(schema: JsonSchema): JsonSchema[] {
  const children = [
    ...Object.values((schema.properties ?? {}) as Record<string, JsonSchema>),
    ...((schema.anyOf ?? []) as JsonSchema[]),
    ...((schema.oneOf ?? []) as JsonSchema[]),
  ];
  for (const key of ['additionalProperties', 'propertyNames', 'items']) {
    if (typeof schema[key] === 'object') children.push(schema[key] as JsonSchema);
  }
  return children;
}

function keywords(schema: JsonSchema): string[] {
  return [...Object.keys(schema), ...subschemas(schema).flatMap(keywords)];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** A small JSON Schema checker for the keywords in `KNOWN`: the errors for `value`, empty when it conforms. */
function check(schema: JsonSchema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const fail = (what: string) => errors.push(`${at}: ${what}`);
  if (schema.type !== undefined) {
    const types = ([] as unknown[]).concat(schema.type);
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) fail(`not ${types.join('|')}`);
  }
  if ('const' in schema && schema.const !== value) fail('const');
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail('enum');
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail('minLength');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail('pattern');
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail('minimum');
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail('maximum');
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) fail('exclusiveMinimum');
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('minItems');
    if (schema.items) value.forEach((item, index) => errors.push(...check(schema.items as JsonSchema, item, `${at}[${index}]`)));
  }
  if (typeOf(value) === 'object') errors.push(...checkObject(schema, value as Record<string, unknown>, at));
  for (const [keyword, count] of [['anyOf', (n: number) => n > 0], ['oneOf', (n: number) => n === 1]] as const) {
    const options = schema[keyword] as JsonSchema[] | undefined;
    if (options && !count(options.filter((option) => check(option, value, at).length === 0).length)) fail(keyword);
  }
  return errors;
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, at: string): string[] {
  const errors: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const key of (schema.required ?? []) as string[]) if (!(key in value)) errors.push(`${at}.${key}: required`);
  for (const [key, item] of Object.entries(value)) {
    if (schema.propertyNames) errors.push(...check(schema.propertyNames as JsonSchema, key, `${at}{${key}}`));
    const rule = properties[key] ?? schema.additionalProperties;
    if (rule === false) errors.push(`${at}.${key}: not allowed`);
    else if (typeof rule === 'object') errors.push(...check(rule as JsonSchema, item, `${at}.${key}`));
  }
  return errors;
}

/** Documents the loader accepts, covering every optional field. */
const ACCEPTED = [
  STARTER_PROJECT,
  readFileSync(new URL('../../examples/quickstart/slipway.yaml', import.meta.url), 'utf8'),
  `$schema: ./slipway.schema.json
project: full
services:
  api:
    owner: team
    description: everything optional
    replicas: 0
    workload:
      command: ./run
      workingDir: .
      env: { A: text, B: 1, C: true }
      ports: { http: auto, admin: 9000 }
      livenessProbe:
        httpGet: { port: 9000 }
        initialDelaySeconds: 0.5
        periodSeconds: 2
        timeoutSeconds: 1
        failureThreshold: 1
    environments:
      dev: { replicas: 3, env: { A: other }, ports: { http: 9100 } }
environments:
  dev: { description: first, targets: [a, b] }
targets:
  a: { runtime: process, baseDir: state, logMaxBytes: 1024, logKeep: 0 }
  b: { runtime: "null" }
`,
];

describe('projectJsonSchema', () => {
  const schema = projectJsonSchema();

  it('is a draft 2020-12 schema with an id, a title and the top-level properties', () => {
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: PROJECT_SCHEMA_ID, title: expect.any(String), type: 'object' });
    expect(Object.keys(schema.properties as object)).toEqual(['$schema', 'project', 'layers', 'scoreFiles', 'services', 'notifications', 'builds', 'registries', 'environments', 'targets']);
    expect(schema.required).toEqual(['project', 'environments', 'targets']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('uses only keywords of JSON Schema that the checker here understands', () => {
    expect([...new Set(keywords(schema))].filter((keyword) => !KNOWN.has(keyword))).toEqual([]);
  });

  it.each(ACCEPTED.map((text, index) => [index, text]))('accepts document %i, which the loader accepts', (_, text) => {
    parseProject(text, 'accepted.yaml');
    expect(check(schema, parse(text))).toEqual([]);
  });

  it('rejects what the loader rejects for the same reason', () => {
    const document = parse(STARTER_PROJECT) as Record<string, unknown>;
    expect(check(schema, { ...document, servces: {} })).toEqual(['$.servces: not allowed']);
    expect(check(schema, { ...document, project: 'My Project' })).toEqual(['$.project: pattern']);
  });
});
