/**
 * The OpenAPI 3.1 document of the API, generated from the route table and its zod schemas, so it
 * describes exactly what the server serves. Pure: same table, same document.
 */
import { z } from 'zod';
import { inputInQuery, pathParams, type Route } from './route-types.js';

type JsonSchema = { properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable: unauthenticated, forbidden, not-found, conflict, gated, invalid-request, invalid-input, policy-violation, bad-request, too-large…' },
        message: { type: 'string', description: 'What went wrong, for a person.' },
        issues: { type: 'array', items: { type: 'object' } },
        violations: { type: 'array', items: { type: 'object' } },
      },
    },
  },
};

const answers: Readonly<Record<Route['answer'], Record<string, unknown>>> = {
  json: { 'application/json': {} },
  text: { 'text/plain': { schema: { type: 'string' } } },
  progress: { 'application/json': {}, 'application/x-ndjson': { description: '{"progress": "…"} lines, then {"outcome": …}' } },
  stream: { 'application/x-ndjson': {}, 'text/event-stream': {} },
};

/** The document for `routes` (keyed by operation id). */
export function openApiDocument(routes: Readonly<Record<string, Route>>, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, route] of Object.entries(routes)) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(operationId, route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Slipway API', version, description: 'Deploy services through environments. Authenticate with "Authorization: Bearer slw_…".' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (slipway token create).' } },
      schemas: { Error: errorSchema },
    },
  };
}

function operation(operationId: string, route: Route): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(route.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const inPath = pathParams(route.path);
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {});
  const describedAs = (field: string) => (schema.properties?.[field] as { description?: string } | undefined)?.description;
  const parameter = (name: string, where: string, fieldSchema: unknown) => ({ name, in: where, required: where === 'path' || required.has(name), schema: fieldSchema });
  const parameters = [
    ...fields.filter(([name]) => inPath.includes(name)).map(([name, s]) => parameter(name, 'path', s)),
    ...(inputInQuery(route) ? fields.filter(([name]) => !inPath.includes(name)).map(([name, s]) => parameter(name, 'query', s)) : []),
    ...Object.entries(route.headers ?? {}).map(([header, field]) => ({ name: header, in: 'header', required: false, description: describedAs(field) ?? `Instead of the query's ${field}.`, schema: { type: 'string' } })),
  ];
  const bodySchema = { ...schema, properties: Object.fromEntries(fields.filter(([name]) => !inPath.includes(name))), required: [...required].filter((name) => !inPath.includes(name)) };
  const { access } = route;
  return {
    operationId,
    summary: route.summary[0]!.toUpperCase() + route.summary.slice(1),
    ...(access.kind === 'public' ? { security: [] } : { security: [{ bearer: [] }] }),
    'x-slipway-roles': access.kind === 'act' ? [...access.roles, 'admin'] : access.kind === 'read' ? ['any'] : ['anyone'],
    ...(access.kind === 'act' && access.environment ? { 'x-slipway-environment-scoped': true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.rawBody && { requestBody: { required: true, description: describedAs('body'), content: { 'application/json': { schema: { type: 'object' } } } } }),
    ...(!route.rawBody && !inputInQuery(route) && { requestBody: { required: true, content: { 'application/json': { schema: bodySchema } } } }),
    responses: {
      [String(route.status ?? 200)]: { description: route.summary, content: answers[route.answer] },
      default: { description: 'An error: 401, 403, 404, 409, 413, 422…', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  };
}
