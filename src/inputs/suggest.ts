/** "Did you mean" for misspelt keys and names. */

/** Edit distance between two strings (insertions, deletions, substitutions). */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate `word` was probably meant to be: the closest one within edit distance 2, or one
 * that the word is a prefix of (or that is a prefix of it). Undefined when none is close.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    const prefix = word.length > 1 && (candidate.startsWith(word) || word.startsWith(candidate));
    if ((distance <= 2 || prefix) && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/**
 * `unknown target "lcoal", did you mean "local"?`, or with no close candidate the list of
 * allowed ones: `unknown target "x" (expected one of: local, remote)`.
 */
export function unknownName(kind: string, name: string, candidates: readonly string[]): string {
  const head = `unknown ${kind} ${JSON.stringify(name)}`;
  const guess = closest(name, candidates);
  if (guess !== undefined) return `${head}, did you mean ${JSON.stringify(guess)}?`;
  if (candidates.length === 0) return `${head} (none are declared)`;
  return `${head} (expected one of: ${candidates.join(', ')})`;
}
