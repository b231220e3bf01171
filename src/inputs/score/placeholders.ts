/**
 * Score placeholders in text: `${metadata.name}`, `${resources.db.host}`. `$$` stands for a literal
 * `$` (so `$${x}` is the text `${x}`); a `$` not followed by `{` or `$` is itself. Path segments are
 * separated by `.`; `\.` is a dot inside a segment (`${metadata.annotations.slipway\.dev/owner}`).
 * Pure: no I/O, no state.
 */
import { SlipwayError } from '../../errors.js';

/** One `${…}` in a text. */
export interface Placeholder {
  /** The segments between the braces: `['resources', 'db', 'host']`. */
  readonly path: readonly string[];
  /** The placeholder as written, braces included. */
  readonly source: string;
  /** Where it starts in the text (0-based). */
  readonly offset: number;
}

/** A text cut into literal runs (escapes already undone) and placeholders, in order. */
export type TemplatePart = { readonly kind: 'text'; readonly text: string; readonly source: string } | ({ readonly kind: 'placeholder' } & Placeholder);

/** A text's placeholders are malformed (`unclosed`), or some could not be resolved (`unresolved` lists them). */
export class PlaceholderError extends SlipwayError {
  override readonly name = 'PlaceholderError';
  constructor(
    message: string,
    readonly unresolved: readonly Placeholder[] = [],
  ) {
    super('invalid-placeholder', message);
  }
}

/**
 * Cuts `text` into literal runs and placeholders. Throws `PlaceholderError` for a `${` with no
 * closing `}` or an empty segment (`${}`, `${metadata.}`). `parts.map(p => p.source).join('')` is `text`.
 */
export function parsePlaceholders(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let literalSource = '';
  const flush = (): void => {
    if (literalSource) parts.push({ kind: 'text', text: literal, source: literalSource });
    literal = literalSource = '';
  };
  let index = 0;
  while (index < text.length) {
    const next = text[index + 1];
    if (text[index] !== '$' || (next !== '$' && next !== '{')) {
      literal += text[index];
      literalSource += text[index];
      index += 1;
    } else if (next === '$') {
      literal += '$';
      literalSource += '$$';
      index += 2;
    } else {
      const end = text.indexOf('}', index);
      if (end < 0) throw new PlaceholderError(`unclosed placeholder at "${text.slice(index, index + 20)}": expected "}" (write $\${ for a literal \${)`);
      const source = text.slice(index, end + 1);
      flush();
      parts.push({ kind: 'placeholder', path: splitPath(source), source, offset: index });
      index = end + 1;
    }
  }
  flush();
  return parts;
}

function splitPath(source: string): string[] {
  const path = source
    .slice(2, -1)
    .split(/(?<!\\)\./)
    .map((segment) => segment.replaceAll('\\.', '.'));
  if (path.some((segment) => segment === '')) throw new PlaceholderError(`empty name in placeholder ${source}`);
  return path;
}

/** The placeholders of `text`, in order. Throws `PlaceholderError` as `parsePlaceholders` does. */
export function placeholdersIn(text: string): Placeholder[] {
  return parsePlaceholders(text).flatMap((part) => (part.kind === 'placeholder' ? [{ path: part.path, source: part.source, offset: part.offset }] : []));
}

/**
 * `text` with every placeholder replaced by `lookup(path)` and escapes undone: the final value.
 * Throws `PlaceholderError` naming every placeholder `lookup` returned undefined for (its
 * `unresolved` lists them, for the caller to position), or when `text` is malformed.
 */
export function substitute(text: string, lookup: (path: readonly string[]) => string | undefined): string {
  const unresolved: Placeholder[] = [];
  const out = parsePlaceholders(text).map((part) => {
    if (part.kind === 'text') return part.text;
    const value = lookup(part.path);
    if (value === undefined) unresolved.push(part);
    return value ?? '';
  });
  if (unresolved.length > 0) throw new PlaceholderError(`cannot resolve ${unresolved.map((p) => p.source).join(', ')}`, unresolved);
  return out.join('');
}

/**
 * `text` with the placeholders `lookup` knows replaced (their values escaped) and everything else
 * left as written, escapes included: still a template, for a later `substitute` to finish.
 * Throws `PlaceholderError` only when `text` is malformed.
 */
export function substituteKnown(text: string, lookup: (path: readonly string[]) => string | undefined): string {
  return parsePlaceholders(text)
    .map((part) => {
      const value = part.kind === 'placeholder' ? lookup(part.path) : undefined;
      return value === undefined ? part.source : escapeText(value);
    })
    .join('');
}

/** `text` as a template that stands for itself: every `$` doubled. `substitute(escapeText(t), f) === t`. */
export function escapeText(text: string): string {
  return text.replaceAll('$', () => '$$');
}
