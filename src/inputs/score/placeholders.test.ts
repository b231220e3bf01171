import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText, parsePlaceholders, PlaceholderError, placeholdersIn, substitute, substituteKnown } from './placeholders.js';

const values: Record<string, string> = { 'metadata.name': 'orders', 'resources.db.host': 'db.local', 'metadata.annotations.slipway.dev/owner': 'payments' };
const lookup = (path: readonly string[]): string | undefined => values[path.join('.')];

describe('parsePlaceholders', () => {
  it('cuts text into literal runs and placeholders with their offsets', () => {
    expect(parsePlaceholders('a ${metadata.name} b')).toEqual([
      { kind: 'text', text: 'a ', source: 'a ' },
      { kind: 'placeholder', path: ['metadata', 'name'], source: '${metadata.name}', offset: 2 },
      { kind: 'text', text: ' b', source: ' b' },
    ]);
  });

  it('reads $$ as a literal $, so $${x} is the text ${x}, and leaves a lone $ alone', () => {
    expect(parsePlaceholders('$${x} costs $5 or $$6')).toEqual([{ kind: 'text', text: '${x} costs $5 or $6', source: '$${x} costs $5 or $$6' }]);
  });

  it('reads \\. as a dot inside a segment', () => {
    expect(placeholdersIn('${metadata.annotations.slipway\\.dev/owner}')[0]?.path).toEqual(['metadata', 'annotations', 'slipway.dev/owner']);
  });

  it.each(['${metadata.name', '${}', '${metadata.}', 'x ${.name} y'])('refuses malformed %j', (text) => {
    expect(() => parsePlaceholders(text)).toThrow(PlaceholderError);
  });
});

describe('substitute', () => {
  it('replaces every placeholder and undoes escapes', () => {
    expect(substitute('${metadata.name}@${resources.db.host}: $${keep}', lookup)).toBe('orders@db.local: ${keep}');
    expect(substitute('${metadata.annotations.slipway\\.dev/owner}', lookup)).toBe('payments');
  });

  it('names every placeholder it cannot resolve, for the caller to position', () => {
    const error = (() => {
      try {
        substitute('${resources.db.port} ${metadata.name} ${resources.cache.url}', lookup);
      } catch (caught) {
        return caught as PlaceholderError;
      }
    })();
    expect(error).toBeInstanceOf(PlaceholderError);
    expect(error?.unresolved.map((p) => [p.source, p.offset])).toEqual([
      ['${resources.db.port}', 0],
      ['${resources.cache.url}', 38],
    ]);
  });

  it('is the identity on escaped text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(substitute(escapeText(text), () => undefined)).toBe(text);
      }),
    );
  });
});

describe('substituteKnown', () => {
  it('resolves what the lookup knows and keeps the rest as written, escapes included', () => {
    const metadataOnly = (path: readonly string[]): string | undefined => (path[0] === 'metadata' ? lookup(path) : undefined);
    expect(substituteKnown('${metadata.name} ${resources.db.host} $${x}', metadataOnly)).toBe('orders ${resources.db.host} $${x}');
  });

  it('escapes inserted values, so a later substitute keeps them as they are', () => {
    const template = substituteKnown('v=${metadata.name}', () => '${resources.db.host}');
    expect(template).toBe('v=$${resources.db.host}');
    expect(substitute(template, lookup)).toBe('v=${resources.db.host}');
  });

  it('then substitute gives what one substitute pass would, for any text', () => {
    const text = fc.array(fc.constantFrom('$', '$$', '{', '}', '${metadata.name}', '${resources.db.host}', 'a', '.'), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        let direct: string | undefined;
        try {
          direct = substitute(t, lookup);
        } catch (error) {
          expect(error).toBeInstanceOf(PlaceholderError);
          return;
        }
        const metadataFirst = substituteKnown(t, (path) => (path[0] === 'metadata' ? lookup(path) : undefined));
        expect(substitute(metadataFirst, lookup)).toBe(direct);
      }),
    );
  });
});
