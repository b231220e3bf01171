import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { parseProject } from './load.js';
import { STARTER_PROJECT } from './starter.js';

/** parseProject's contract: a spec, or InvalidInputError with positioned issues; nothing else. */
function assertReturnsOrReportsPositioned(text: string): void {
  try {
    parseProject(text, 'fuzz.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const { issues } = error as InvalidInputError;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.column).toBeGreaterThanOrEqual(1);
      expect(issue.message).not.toBe('');
    }
  }
}

const yamlish = fc.stringMatching(/^[ \t\n:\-#'"{}[\],&*!|>?%@`a-z0-9]{0,80}$/);
const starterLines = STARTER_PROJECT.split('\n');

/** Every path to a value inside `value`, the root excluded. */
function pathsOf(value: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** `document` with the value at `path` replaced, or removed when `replacement` is undefined. */
function withValueAt(document: unknown, path: readonly string[], replacement: unknown): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  const parent = path.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, copy);
  const last = path.at(-1)!;
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

const starterDocument: unknown = parse(STARTER_PROJECT);
const starterPaths = pathsOf(starterDocument);

describe('parseProject on arbitrary input', () => {
  it('returns or reports positioned issues for any text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), yamlish), assertReturnsOrReportsPositioned), { numRuns: 500 });
  });

  it('returns or reports positioned issues for any JSON value written as YAML', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => assertReturnsOrReportsPositioned(stringify(value))), { numRuns: 300 });
  });

  it('returns or reports positioned issues for the starter with any value replaced or removed', () => {
    const edit = fc.record({ path: fc.constantFrom(...starterPaths), value: fc.option(fc.jsonValue(), { nil: undefined }) });
    fc.assert(fc.property(edit, ({ path, value }) => assertReturnsOrReportsPositioned(stringify(withValueAt(starterDocument, path, value)))), { numRuns: 500 });
  });

  it('returns or reports positioned issues for the starter with a line broken', () => {
    const edit = fc.record({ line: fc.nat(starterLines.length - 1), text: fc.oneof(fc.string(), yamlish) });
    fc.assert(
      fc.property(edit, ({ line, text }) => {
        const lines = [...starterLines];
        lines[line] = text;
        assertReturnsOrReportsPositioned(lines.join('\n'));
      }),
      { numRuns: 300 },
    );
  });
});
