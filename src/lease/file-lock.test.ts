import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError, acquireFileLock, lockHolder } from './file-lock.js';
import { holderId, thisProcess } from './holder.js';
import { processStartTimeSync } from '../proc-stat.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-lock-'));
const file = join(dir, 'test.lock');
afterEach(() => rmSync(file, { force: true }));

describe('file lock', () => {
  it('is exclusive, even within one process, until released, and names its holder with host, pid and start time', () => {
    const release = acquireFileLock(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(holderId(thisProcess()));
    expect(lockHolder(file)).toBe(process.pid);
    expect(() => acquireFileLock(file)).toThrow(LockedError);
    release();
    release();
    expect(existsSync(file)).toBe(false);
    acquireFileLock(file)();
  });

  it('takes over a lock left by a dead process', () => {
    const dead = spawnSync('true').pid!;
    writeFileSync(file, `${hostname()}/${dead}/1\n`);
    expect(lockHolder(file)).toBeUndefined();
    const release = acquireFileLock(file);
    expect(lockHolder(file)).toBe(process.pid);
    release();
  });

  it('takes over a lock whose pid now names another process (a reused pid), or a zombie', async () => {
    writeFileSync(file, `${hostname()}/${process.pid}/${(processStartTimeSync(process.pid) ?? 0) + 1}\n`);
    expect(lockHolder(file)).toBeUndefined();
    // A zombie: a child killed and not yet reaped by a parent that does not wait for it.
    const parent = spawn('perl', ['-e', '$| = 1; my $child = fork; exit 0 unless $child; print "$child\\n"; sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk) => resolve(String(chunk).trim()))));
    for (let i = 0; i < 100 && !readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, `${hostname()}/${zombie}/1\n`);
    expect(lockHolder(file)).toBeUndefined();
    acquireFileLock(file)();
    parent.kill('SIGKILL');
  });

  it('never removes a lock another holder has taken since', () => {
    const release = acquireFileLock(file);
    const init = `${hostname()}/1/${processStartTimeSync(1)}`; // pid 1 is always alive
    writeFileSync(file, `${init}\n`);
    release();
    expect(lockHolder(file)).toBe(1);
  });
});
