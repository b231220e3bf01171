import { describe, expect, it } from 'vitest';
import { isSameProcess, parseStat, processStartTime } from './proc-stat.js';

describe('proc-stat', () => {
  it('reads field 22 after a command name that contains spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[19] = '123456';
    expect(parseStat(`42 (odd) name (x)) ${fields.join(' ')}`)).toBe(123456);
  });

  it('treats a zombie as gone', () => {
    expect(parseStat(`42 (x) Z ${Array(50).fill('7').join(' ')}`)).toBeNull();
  });

  it('identifies this very process by pid and start time, and nothing else', async () => {
    const start = await processStartTime(process.pid);
    expect(start).toBeGreaterThan(0);
    expect(await isSameProcess(process.pid, start!)).toBe(true);
    expect(await isSameProcess(process.pid, start! + 1)).toBe(false);
    expect(await processStartTime(2 ** 30)).toBeNull();
  });
});
