/** The project file's JSON Schema, generated from the same zod schema the loader uses, for editors. */
import { z } from 'zod';
import { ProjectFile } from './schema.js';

/** The schema's `$id`: a stable name, not a download address. */
export const PROJECT_SCHEMA_ID = 'urn:slipway:schema:project-file:v1';

/** `format` values defined by JSON Schema 2020-12; zod's own (such as `starts_with`) are dropped, their `pattern` stays. */
const STANDARD_FORMATS = new Set([
  'date-time', 'date', 'time', 'duration', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6',
  'uri', 'uri-reference', 'iri', 'iri-reference', 'uuid', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
]);

/**
 * JSON Schema (draft 2020-12) of `slipway.yaml` as a person writes it: fields with defaults are
 * optional and show their default. A new object on every call.
 */
export function projectJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProjectFile, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      if (typeof jsonSchema.format === 'string' && !STANDARD_FORMATS.has(jsonSchema.format)) delete jsonSchema.format;
    },
  });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    $id: PROJECT_SCHEMA_ID,
    title: 'Slipway project file (slipway.yaml)',
    description: 'Services, the environments they are promoted through, and the targets those environments run on.',
    ...rest,
  };
}
