import { describe, expect, it } from 'vitest';
import { newestFirst, tagMatches, tagPatternProblem } from './tags.js';

describe('tagMatches', () => {
  it.each([
    [['v*'], 'v1.0.0', true],
    [['v*'], '1.0.0', false],
    [['v*', '!*-rc*'], 'v1.0.0-rc.1', false],
    [['v*', '!*-rc*'], 'v1.0.0', true],
    [['release-?'], 'release-7', true],
    [['release-?'], 'release-17', false],
    [['a.b'], 'aXb', false],
    [['semver:^1.2'], 'v1.4.0', true],
    [['semver:^1.2'], '1.2.3', true],
    [['semver:^1.2'], 'v2.0.0', false],
    [['semver:^1.2'], 'v1.3.0-beta.1', false],
    [['semver:>=1.0.0 <2', '!v1.5.*'], 'v1.5.2', false],
    [['semver:>=1.0.0 <2'], 'latest', false],
    [['!*-rc*'], 'v1.0.0', false],
  ])('%j matches %s: %s', (patterns, tag, expected) => {
    expect(tagMatches(patterns, tag)).toBe(expected);
  });
});

describe('tagPatternProblem', () => {
  it('accepts globs, exclusions and ranges', () => {
    expect(['v*', '!*-rc*', 'semver:^1.2', 'semver:>=1 <2'].map(tagPatternProblem)).toEqual([undefined, undefined, undefined, undefined]);
  });
  it('says what is wrong with a range that is not one, an excluded range and a bare `!`', () => {
    expect(tagPatternProblem('semver:one')).toMatch(/`one` is not a semver range/);
    expect(tagPatternProblem('!semver:^1')).toMatch(/an exclusion is a glob/);
    expect(tagPatternProblem('!')).toMatch(/needs a glob/);
  });
});

describe('newestFirst', () => {
  it('orders semver tags by precedence, with or without v, before other tags', () => {
    expect(newestFirst(['v1.2.0', 'nightly', 'v1.10.0', '1.9.0', 'v1.10.0-rc.1', 'alpha'])).toEqual(['v1.10.0', 'v1.10.0-rc.1', '1.9.0', 'v1.2.0', 'nightly', 'alpha']);
  });
});
