import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogCursor, rotateIfLarger, tailLines } from './log-file.js';

let dir: string;
let log: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-log-'));
  log = join(dir, 'a.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('rotateIfLarger', () => {
  it('leaves a small or missing file alone', async () => {
    expect(await rotateIfLarger(log, 10, 2)).toBe(false);
    writeFileSync(log, 'short\n');
    expect(await rotateIfLarger(log, 10, 2)).toBe(false);
    expect(readFileSync(log, 'utf8')).toBe('short\n');
  });

  it('copies to .1, truncates in place, shifts older files and drops those beyond keep', async () => {
    for (const generation of ['first', 'second', 'third']) {
      writeFileSync(log, `${generation} generation\n`);
      expect(await rotateIfLarger(log, 5, 2)).toBe(true);
    }
    expect(readFileSync(log, 'utf8')).toBe('');
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('third generation\n');
    expect(readFileSync(`${log}.2`, 'utf8')).toBe('second generation\n');
    expect(existsSync(`${log}.3`)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.new'))).toEqual([]);
  });

  it('never lets a rotated file go missing while it shifts them (watched from another process)', async () => {
    writeFileSync(log, 'x'.repeat(100));
    await rotateIfLarger(log, 5, 3);
    writeFileSync(log, 'x'.repeat(100));
    await rotateIfLarger(log, 5, 3);
    const watcher = spawn(process.execPath, ['-e', `const fs = require('fs'); let missing = 0; const end = Date.now() + 1500; while (Date.now() < end) for (const n of [1, 2]) if (!fs.existsSync(${JSON.stringify(log)} + '.' + n)) missing++; console.log(missing);`]);
    let out = '';
    watcher.stdout.on('data', (chunk) => (out += chunk));
    let exited = false;
    const closed = new Promise((resolve) => watcher.on('close', resolve)).then(() => (exited = true));
    let rotations = 0;
    while (!exited) {
      writeFileSync(log, 'x'.repeat(100));
      if (await rotateIfLarger(log, 5, 3)) rotations++;
    }
    await closed;
    expect(rotations).toBeGreaterThan(10);
    expect(out.trim()).toBe('0');
  });

  it('only truncates when keep is 0', async () => {
    writeFileSync(log, 'too long for the limit\n');
    await rotateIfLarger(log, 5, 0);
    expect(readFileSync(log, 'utf8')).toBe('');
    expect(existsSync(`${log}.1`)).toBe(false);
  });
});

describe('tailLines', () => {
  it('returns the last lines, including a partial last one, across read chunks', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    writeFileSync(log, `${lines.join('\n')}\npartial`);
    expect(await tailLines(log, 3)).toEqual([lines[4998], lines[4999], 'partial']);
    expect(await tailLines(log, 2000)).toEqual([...lines.slice(3001), 'partial']);
  });

  it('reads up to a cursor taken before, so that a line appended since comes once, from the cursor', async () => {
    writeFileSync(log, 'a\nb\n');
    const cursor = await LogCursor.atEnd(log);
    appendFileSync(log, 'c\n');
    expect(await tailLines(log, 2, cursor.offset)).toEqual(['a', 'b']);
    expect(await cursor.read()).toEqual(['c']);
  });

  it('gives [] for a missing file or a count of 0', async () => {
    expect(await tailLines(log, 5)).toEqual([]);
    writeFileSync(log, 'a\n');
    expect(await tailLines(log, 0)).toEqual([]);
  });
});

describe('LogCursor', () => {
  it('reads appended complete lines, holding back a partial one, and starts over after a truncation', async () => {
    writeFileSync(log, 'old\n');
    const cursor = await LogCursor.atEnd(log);
    expect(await cursor.read()).toEqual([]);
    appendFileSync(log, 'one\ntw');
    expect(await cursor.read()).toEqual(['one']);
    appendFileSync(log, 'o\n');
    expect(await cursor.read()).toEqual(['two']);
    writeFileSync(log, 'new\n');
    expect(await cursor.read()).toEqual(['new']);
  });
});
