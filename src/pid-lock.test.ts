import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError, acquirePidLock, lockHolder } from './pid-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-lock-'));
const file = join(dir, 'test.pid');
afterEach(() => rmSync(file, { force: true }));

describe('pid lock', () => {
  it('is exclusive, even within one process, until released', () => {
    const release = acquirePidLock(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(String(process.pid));
    expect(lockHolder(file)).toBe(process.pid);
    expect(() => acquirePidLock(file)).toThrow(LockedError);
    release();
    release();
    expect(existsSync(file)).toBe(false);
    acquirePidLock(file)();
  });

  it('takes over a lock left by a dead process', () => {
    const dead = spawnSync('true').pid!;
    writeFileSync(file, `${dead}\n`);
    expect(lockHolder(file)).toBeUndefined();
    const release = acquirePidLock(file);
    expect(lockHolder(file)).toBe(process.pid);
    release();
  });

  it('never removes a lock another process has taken since', () => {
    const release = acquirePidLock(file);
    writeFileSync(file, '1\n'); // pid 1 is always alive
    release();
    expect(lockHolder(file)).toBe(1);
  });
});
