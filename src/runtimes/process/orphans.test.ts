import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ephemeralSealer } from '../../secrets/index.js';
import { openProcessRuntime } from './process-runtime.js';
import { STATE_DIR_VARIABLE, findOrphans } from './orphans.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-orphans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('orphans', () => {
  it('a process with our mark but no record is found and killed when the runtime opens; others are left alone', async () => {
    const stateDir = join(dir, 'state');
    const mine = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, [STATE_DIR_VARIABLE]: stateDir } });
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, [STATE_DIR_VARIABLE]: `${stateDir}-other` } });
    try {
      await expect.poll(() => findOrphans(stateDir, new Set())).toEqual([mine.pid]);
      expect(await findOrphans(stateDir, new Set([mine.pid!]))).toEqual([]);
      const runtime = await openProcessRuntime({ logMaxBytes: 1_000_000, logKeep: 1 }, { target: 'local', stateDir, sealer: ephemeralSealer() });
      await runtime.close();
      await new Promise((r) => mine.exitCode !== null || mine.signalCode !== null ? r(null) : mine.once('exit', r));
      expect(mine.signalCode).toBe('SIGKILL');
      expect(alive(other.pid!)).toBe(true);
    } finally {
      other.kill('SIGKILL');
      mine.kill('SIGKILL');
    }
  });
});
