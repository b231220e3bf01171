import { describe, expect, it } from 'vitest';
import { HeaderName, HeaderValue, HostAddress, RequestPath } from './http-fields.js';

const accepts = (schema: { safeParse(value: unknown): { success: boolean } }, value: string) => schema.safeParse(value).success;

describe('HTTP fields', () => {
  it.each(['/', '/healthz', '/a/b-c_d.e~f', "/x!$&'()*+,;=:@", '/%20encoded', '/status?full=1&x=/y?', '/?'])('accepts the path %j', (path) => {
    expect(accepts(RequestPath, path)).toBe(true);
  });

  it.each(['', 'healthz', '/has space', '/tab\there', '/line\nbreak', '/nul\0', '/frag#ment', '/bad%zz', '/ünïcode', '/<x>', '/a"b', '/back\\slash'])('refuses the path %j', (path) => {
    expect(accepts(RequestPath, path)).toBe(false);
  });

  it('takes header names that are tokens and values without line breaks or NUL', () => {
    for (const name of ['X-Probe', 'accept', "x!#$%&'*+-.^_`|~1"]) expect(accepts(HeaderName, name)).toBe(true);
    for (const name of ['', 'X Probe', 'X:Probe', 'X\nProbe', 'X(Probe)']) expect(accepts(HeaderName, name)).toBe(false);
    for (const value of ['', 'text/plain; q=0.9', 'a\tb', 'caf\u00e9']) expect(accepts(HeaderValue, value)).toBe(true);
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\0b', 'bell\u0007', '\u{1F600}']) expect(accepts(HeaderValue, value)).toBe(false);
  });

  it('takes host names and IP addresses only', () => {
    for (const host of ['web-1', 'web-1.example.com', 'example.com.', '10.0.0.7', 'fd00::7', '::1', '2001:db8::8a2e:370:7334']) expect(accepts(HostAddress, host)).toBe(true);
    for (const host of ['', 'web 1', '-web', 'web-', 'a..b', 'web_1', 'web/1', 'user@web', '[fd00::7]', 'web:22', 'be:22', 'fd00:::7', `${'a'.repeat(64)}.com`]) expect(accepts(HostAddress, host)).toBe(false);
  });
});
