/** Test helpers for input loaders: catching their positioned errors, and fuzzing them. */
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { expect, it } from 'vitest';
import { InvalidInputError, type InputIssue } from '../errors.js';
import { loadProject } from './load.js';

/** The issues `run` throws as `InvalidInputError`; fails the test when it returns or throws anything else. */
export function issuesOf(run: () => unknown): readonly InputIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues;
    throw error;
  }
  throw new Error('expected the input to be rejected');
}

/** The issues of loading `<dir>/slipway.yaml` from `files` (absolute path → text) in memory; none when it loads. */
export async function issuesOfProjectFiles(files: Readonly<Record<string, string>>, dir = '/p'): Promise<readonly InputIssue[]> {
  const read = async (path: string) => files[path] ?? Promise.reject(Object.assign(new Error(`no ${path}`), { code: 'ENOENT' }));
  try {
    await loadProject(`${dir}/slipway.yaml`, read);
    return [];
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues;
    throw error;
  }
}

/** The contract of every loader: it returns, or throws `InvalidInputError` with positioned issues; nothing else. */
export function expectReturnsOrPositioned(run: () => unknown): void {
  try {
    run();
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

/** Every path to a value inside `value`, the root excluded. */
function pathsOf(value: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** `document` with the value at `path` replaced, or removed when `replacement` is undefined. */
function withValueAt(document: unknown, path: readonly string[], replacement: unknown): unknown {
  const copy = structuredClone(document) as Record<string, unknown>;
  const parent = path.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, copy);
  if (replacement === undefined) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = replacement;
  return copy;
}

const yamlish = fc.stringMatching(/^[ \t\n:\-#'"{}[\],&*!|>?%@`$.a-z0-9]{0,80}$/);

/**
 * Registers property tests (inside the caller's `describe`) that `load` keeps the loader contract
 * for any text, any JSON value written as YAML, `sample` (its first document) with any value
 * replaced (by JSON or by `values`) or removed, and `sample` with any line broken.
 */
export function loaderProperties(load: (text: string) => unknown, sample: string, values: fc.Arbitrary<unknown> = fc.jsonValue()): void {
  const check = (text: string): void => expectReturnsOrPositioned(() => load(text));
  const document: unknown = parse(sample.split(/^---$/m)[0] ?? '');
  const lines = sample.split('\n');

  it('returns or reports positioned issues for any text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), yamlish), check), { numRuns: 400 });
  });

  it('returns or reports positioned issues for any JSON value written as YAML', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => check(stringify(value))), { numRuns: 300 });
  });

  it('returns or reports positioned issues for the sample with any value replaced or removed', () => {
    const replacement = fc.option(fc.oneof(fc.jsonValue(), values), { nil: undefined });
    fc.assert(fc.property(fc.constantFrom(...pathsOf(document)), replacement, (path, value) => check(stringify(withValueAt(document, path, value)))), { numRuns: 500 });
  });

  it('returns or reports positioned issues for the sample with a line broken', () => {
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.oneof(fc.string(), yamlish), (line, text) => check(lines.with(line, text).join('\n'))),
      { numRuns: 300 },
    );
  });
}
