import { describe, expect, it } from 'vitest';
import { SlipwayError, logEntry } from './errors.js';

/** What PGlite and pg throw: the statement and its parameters ride along on the error. */
class DatabaseError extends Error {
  override name = 'error';
  readonly code = '22021';
  readonly query = 'insert into "secrets" ("name", "ciphertext") values ($1, $2)';
  readonly params = ['db\u0000', 'hunter2'];
  readonly detail = 'Key (name)=(hunter2) already exists.';
  readonly where = 'unnamed portal parameter $1';
}

describe('logEntry', () => {
  it("tells an error's class, code, message and stack, and none of its other fields", () => {
    const entry = logEntry(new DatabaseError('invalid byte sequence for encoding "UTF8": 0x00'));
    expect(entry).toMatch(/^DatabaseError \[22021\]: invalid byte sequence for encoding "UTF8": 0x00\n\s+at /);
    for (const leak of ['insert into', 'hunter2', 'portal', '\u0000']) expect(entry).not.toContain(leak);
  });

  it('tells the causes the same way, escaped for a terminal', () => {
    const entry = logEntry(new SlipwayError('unavailable', 'the store does not answer\u001b[2J', { cause: new DatabaseError('boom') }));
    expect(entry).toContain('SlipwayError [unavailable]: the store does not answer\\u001b[2J');
    expect(entry).toMatch(/\ncaused by: DatabaseError \[22021\]: boom\n/);
    expect(entry).not.toContain('hunter2');
    expect(logEntry('a string')).toBe('thrown: a string');
    expect(logEntry({ query: 'select', params: ['hunter2'] })).toBe('a thrown object');
  });
});
