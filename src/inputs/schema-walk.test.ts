import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { allowedKeys, describeSchema, schemaAt, stringChoices } from './schema-walk.js';
import { HttpProbe, ProjectFile, Service } from './schema.js';

describe('schema walk', () => {
  it('finds the schema at a path through records, defaults and the discriminated union', () => {
    const document = { targets: { local: { runtime: 'process' } } };
    expect(schemaAt(ProjectFile, ['services', 'api', 'replicas'], {})).toBe(Service.shape.replicas);
    expect(describeSchema(schemaAt(ProjectFile, ['targets', 'local', 'logKeep'], document)!)).toBe('a whole number ≥ 0');
    expect(schemaAt(ProjectFile, ['targets', 'local', 'logKeep'], { targets: { local: { runtime: 'null' } } })).toBeUndefined();
    expect(schemaAt(ProjectFile, ['nothing', 'here'], {})).toBeUndefined();
  });

  it('lists the keys an object allows, choosing the union branch for the value', () => {
    expect(allowedKeys(HttpProbe, {})).toEqual(['httpGet', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold']);
    expect(allowedKeys(ProjectFile.shape.targets.valueType, { runtime: 'null' })).toEqual(['runtime']);
    expect(allowedKeys(z.string(), 'x')).toBeUndefined();
  });

  it('describes what a schema expects', () => {
    expect(describeSchema(HttpProbe.shape.httpGet.shape.port)).toBe(
      'a name of lower-case letters, digits and "-", starting with a letter; or a whole number from 1 to 65535',
    );
    expect(describeSchema(HttpProbe.shape.periodSeconds)).toBe('a number > 0');
    expect(describeSchema(z.string().nullable())).toBe('text or nothing');
    expect(stringChoices(z.enum(['a', 'b']))).toEqual(['a', 'b']);
    expect(stringChoices(z.union([z.literal('auto'), z.number()]))).toBeUndefined();
  });
});
