/**
 * Which tags of a source start a build, and which of several is the newest. Pure: no I/O.
 *
 * A pattern is a glob (`v*`, `release-?`: `*` any run of characters, `?` one), an exclusion (`!`
 * and a glob: `!*-rc*`), or a semver range (`semver:^1.2`, `semver:>=1.0.0 <2`; a leading `v` of
 * the tag is allowed). A tag is built when some pattern that is not an exclusion matches it and no
 * exclusion does.
 */
import semver from 'semver';

const SEMVER_PREFIX = 'semver:';

/** Why `pattern` cannot be read, or undefined when it can. */
export function tagPatternProblem(pattern: string): string | undefined {
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  if (body.startsWith(SEMVER_PREFIX)) {
    if (pattern.startsWith('!')) return 'an exclusion is a glob, not a semver range: write the range to exclude into the range itself';
    const range = body.slice(SEMVER_PREFIX.length);
    return semver.validRange(range) === null ? `\`${range}\` is not a semver range (such as ^1.2, ~2.0.1, >=1.0.0 <2)` : undefined;
  }
  return body === '' ? 'a pattern needs a glob after `!`' : undefined;
}

/** Whether a push or a poll of `tag` starts a build under `patterns`. */
export function tagMatches(patterns: readonly string[], tag: string): boolean {
  const excluded = patterns.some((p) => p.startsWith('!') && globMatches(p.slice(1), tag));
  return !excluded && patterns.some((p) => !p.startsWith('!') && includes(p, tag));
}

/**
 * `tags` from newest to oldest: tags that read as semver (with or without a leading `v`) by
 * precedence, highest first, then the others by name, last first. Ties keep their order.
 */
export function newestFirst(tags: readonly string[]): string[] {
  const rank = (tag: string) => semver.parse(stripV(tag));
  return [...tags].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    if (ra && rb) return semver.rcompare(ra, rb);
    if (ra || rb) return ra ? -1 : 1;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}

function includes(pattern: string, tag: string): boolean {
  if (!pattern.startsWith(SEMVER_PREFIX)) return globMatches(pattern, tag);
  const version = semver.valid(stripV(tag));
  return version !== null && semver.satisfies(version, pattern.slice(SEMVER_PREFIX.length));
}

const stripV = (tag: string) => (/^v\d/.test(tag) ? tag.slice(1) : tag);

function globMatches(glob: string, text: string): boolean {
  const source = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(text);
}
