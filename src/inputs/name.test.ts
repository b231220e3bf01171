import { describe, expect, it } from 'vitest';
import { InvalidNameError, Label, Name, Note, SecretName, TokenName, Version, checkName } from './name.js';

const accepts = (rule: { safeParse(value: unknown): { success: boolean } }, value: string) => rule.safeParse(value).success;

describe('name rules', () => {
  it('take versions that are git tags or semantic versions', () => {
    for (const version of ['v1', 'v1.4.0', '1.2.3-rc.1+build.5', '2026-12-05', 'release_7', 'V2', 'x'.repeat(128)]) expect(accepts(Version, version), version).toBe(true);
  });

  it('refuse versions with control characters, spaces, slashes, a leading "-" or "." or more than 128 characters', () => {
    for (const version of ['\u001b[2J', 'v1\u0000', '', 'v 1', 'a/b', '-rf', '.hidden', '+1', 'v1\n', 'v\u202e1', 'x'.repeat(129)]) {
      expect(accepts(Version, version), JSON.stringify(version)).toBe(false);
    }
  });

  it('take printable labels (actors, groups) and refuse control, bidi and line-separator characters', () => {
    for (const label of ['ci', 'ci bot', 'ann@example.com', 'équipe', 'x'.repeat(200)]) expect(accepts(Label, label), label).toBe(true);
    for (const label of ['', 'ci\u0000', 'ci\u001b[31m', 'ci\n', 'ci\u0085', 'ci\u202egnp', 'a\u2028b', 'x'.repeat(201)]) expect(accepts(Label, label), JSON.stringify(label)).toBe(false);
  });

  it('keep the rules of services, secrets and tokens, and let notes have lines and tabs but no other controls', () => {
    expect([accepts(Name, 'web-1'), accepts(Name, 'Web'), accepts(Name, 'web\u0000')]).toEqual([true, false, false]);
    expect([accepts(SecretName, 'db.password_1'), accepts(SecretName, 'db%00'), accepts(SecretName, 'db\u0000')]).toEqual([true, false, false]);
    expect([accepts(TokenName, 'ci@acme.dev'), accepts(TokenName, 'ci bot'), accepts(TokenName, 'ci\u0000')]).toEqual([true, false, false]);
    expect([accepts(Note, 'line one\n\tline two'), accepts(Note, 'ok\u001b[2J'), accepts(Note, 'a\u0000')]).toEqual([true, false, false]);
  });

  it('throw InvalidNameError (invalid-name) naming the kind and quoting the value escaped and cut short', () => {
    expect(checkName(Version, 'release version', 'v2')).toBe('v2');
    const error = (() => {
      try {
        checkName(Version, 'release version', `\u001b[2J${'x'.repeat(100)}`);
      } catch (thrown) {
        return thrown as InvalidNameError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidNameError);
    expect(error!.code).toBe('invalid-name');
    expect(error!.message).toMatch(/^"\\u001b\[2Jx+…" is not a valid release version: expected a version such as v1/);
    expect(error!.message).not.toContain('\u001b');
  });
});
