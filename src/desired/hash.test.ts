import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, stableHash } from './hash.js';

describe('stableHash', () => {
  it('is 64 hex digits of SHA-256 over canonical JSON', () => {
    expect(stableHash({ b: 1, a: [true, 'x'] })).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [true, 'x', null], c: undefined })).toBe('{"a":[true,"x",null],"b":1}');
  });

  it('ignores key order at every depth', () => {
    expect(stableHash({ a: 1, b: { c: 2, d: 3 } })).toBe(stableHash({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('distinguishes different values', () => {
    expect(stableHash({ a: '1' })).not.toBe(stableHash({ a: 1 }));
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
  });

  it('hashes dates as ISO strings and refuses cycles and functions', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stableHash(cyclic)).toThrow(TypeError);
    expect(() => stableHash({ f: () => 1 })).toThrow(TypeError);
  });

  it('agrees with JSON.parse of its own canonical form, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value));
      }),
    );
  });
});
