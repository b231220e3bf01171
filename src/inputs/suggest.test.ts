import { describe, expect, it } from 'vitest';
import { closest, levenshtein, unknownName } from './suggest.js';

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(levenshtein('workloda', 'workload')).toBe(2);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('suggests the closest candidate within distance 2, or one sharing a prefix', () => {
    expect(closest('workloda', ['workload', 'replicas'])).toBe('workload');
    expect(closest('env', ['environments', 'owner'])).toBe('environments');
    expect(closest('colour', ['runtime', 'baseDir'])).toBeUndefined();
  });

  it('words an unknown name with a guess, the choices, or neither', () => {
    expect(unknownName('target', 'lcoal', ['local'])).toBe('unknown target "lcoal", did you mean "local"?');
    expect(unknownName('target', 'far', ['local', 'remote'])).toBe('unknown target "far" (expected one of: local, remote)');
    expect(unknownName('port', 'http', [])).toBe('unknown port "http" (none are declared)');
  });
});
