import { describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';

describe('Redactor', () => {
  it('replaces every occurrence of every value, the longer first', () => {
    const redactor = new Redactor(['abc', 'abcdef']);
    expect(redactor.redact('x abcdef y abc z abcabc')).toBe('x *** y *** z ******');
  });

  it('hides URL-encoded and JSON-escaped forms, and values with regex characters', () => {
    const redactor = new Redactor().add('p@ss/w"rd', 'a.b*c');
    expect(redactor.redact(`postgres://u:${encodeURIComponent('p@ss/w"rd')}@h/db`)).toBe('postgres://u:***@h/db');
    expect(redactor.redact(JSON.stringify({ v: 'p@ss/w"rd' }))).toBe('{"v":"***"}');
    expect(redactor.redact('a.b*c and axbbc')).toBe('*** and axbbc');
  });

  it('ignores empty values and leaves text alone when it knows none', () => {
    expect(new Redactor(['']).redact('text')).toBe('text');
    expect(new Redactor().redact('text')).toBe('text');
  });

  it('redactValue walks JSON-like data, keys included, and leaves other values as they are', () => {
    const at = new Date(0);
    const redactor = new Redactor(['hunter2']);
    expect(redactor.redactValue({ a: ['x hunter2'], hunter2: { n: 1, at, ok: true, none: null } })).toEqual({ a: ['x ***'], '***': { n: 1, at, ok: true, none: null } });
  });

  it('values added later are hidden too', () => {
    const redactor = new Redactor(['one']);
    expect(redactor.redact('one two')).toBe('*** two');
    redactor.add('two');
    expect(redactor.redact('one two')).toBe('*** ***');
  });
});
