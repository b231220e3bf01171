import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SealedTextError } from './errors.js';
import { ephemeralSealer, keySealer } from './sealer.js';

describe('keySealer', () => {
  it('round-trips text as a printable string that hides it, never the same twice', () => {
    const sealer = ephemeralSealer();
    const a = sealer.seal('{"TOKEN":"hunter2"}');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('hunter2');
    expect(sealer.seal('{"TOKEN":"hunter2"}')).not.toBe(a);
    expect(sealer.unseal(a)).toBe('{"TOKEN":"hunter2"}');
  });

  it('refuses text sealed with another key, altered, or never sealed, with SealedTextError', () => {
    const sealed = ephemeralSealer().seal('x');
    const other = ephemeralSealer();
    expect(() => other.unseal(sealed)).toThrow(SealedTextError);
    expect(() => other.unseal(sealed)).toThrow(/another key/);
    for (const text of ['x', 'v1.a', `${sealed}.x`, { TOKEN: 'plain' } as unknown as string]) expect(() => other.unseal(text)).toThrow(/not sealed text/);
  });

  it('asks for the key only when it first seals or unseals, and once', () => {
    let calls = 0;
    const key = randomBytes(32);
    const sealer = keySealer(() => (calls++, key));
    expect(calls).toBe(0);
    sealer.unseal(sealer.seal('a'));
    expect(calls).toBe(1);
  });
});
