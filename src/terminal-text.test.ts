import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-text.js';

describe('terminalSafe', () => {
  it('shows C0 and C1 controls, DEL and bidirectional controls as \\u escapes, keeping newlines and tabs', () => {
    expect(terminalSafe('v1\u001b[2J')).toBe('v1\\u001b[2J');
    expect(terminalSafe('a\u0000b\rc\u0007\u007f\u009b\u0085')).toBe('a\\u0000b\\u000dc\\u0007\\u007f\\u009b\\u0085');
    expect(terminalSafe('admin\u202etxt.exe \u2066x\u2069 \u200f')).toBe('admin\\u202etxt.exe \\u2066x\\u2069 \\u200f');
    expect(terminalSafe('line one\n\tline two — équipe ✓')).toBe('line one\n\tline two — équipe ✓');
  });

  it('leaves JSON valid and meaning the same', () => {
    const value = { version: 'v1\u001b[2J\u009b\u202e' };
    expect(JSON.parse(terminalSafe(JSON.stringify(value, null, 2)))).toEqual(value);
  });
});
