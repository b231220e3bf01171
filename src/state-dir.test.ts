import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeStateDirError, ensurePrivateDir, restrictTree } from './state-dir.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'slipway-state-dir-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (path: string) => (statSync(path).mode & 0o7777).toString(8);

function thrown(fn: () => unknown): UnsafeStateDirError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UnsafeStateDirError) return error;
    throw error;
  }
  throw new Error('expected UnsafeStateDirError');
}

describe('ensurePrivateDir', () => {
  it('creates a missing directory 0700 whatever the umask, and makes an existing safe one 0700', () => {
    const dir = join(root, 'a', '.slipway');
    ensurePrivateDir(dir);
    expect(modeOf(dir)).toBe('700');
    chmodSync(dir, 0o755);
    ensurePrivateDir(dir);
    expect(modeOf(dir)).toBe('700');
  });

  it('refuses a directory group or others can write, naming its mode and the fix, and leaves it as it is', () => {
    const dir = join(root, '.slipway');
    mkdirSync(dir);
    writeFileSync(join(dir, 'store.lock'), '1\n');
    for (const [mode, who] of [[0o777, 'group and others'], [0o757, 'others'], [0o770, 'group']] as const) {
      chmodSync(dir, mode);
      const error = thrown(() => ensurePrivateDir(dir));
      expect(error.code).toBe('unsafe-state-dir');
      expect(error.message).toContain(`${dir} can be written by ${who} (mode 0${mode.toString(8)}, owner uid `);
      expect(error.message).toContain(`\`chmod -R go-rwx ${dir}\``);
      expect(modeOf(dir)).toBe(mode.toString(8));
    }
    expect(readdirSync(dir)).toEqual(['store.lock']);
  });

  it("refuses a directory another user owns, and says how to take it over", () => {
    const dir = join(root, '.slipway');
    mkdirSync(dir, { mode: 0o700 });
    const me = statSync(dir).uid;
    const error = thrown(() => ensurePrivateDir(dir, me + 1));
    expect(error.message).toContain(`${dir} belongs to another user (mode 0700, owner uid ${me}; you are uid ${me + 1})`);
    expect(error.message).toContain(`chown -R ${me + 1} ${dir} && chmod -R go-rwx ${dir}`);
  });

  it('refuses a file where the directory should be', () => {
    const path = join(root, '.slipway');
    writeFileSync(path, '');
    expect(thrown(() => ensurePrivateDir(path)).message).toContain('is not a directory');
  });
});

describe('restrictTree', () => {
  it('takes group and other bits from every file and directory, keeps the owner bits, and follows no link', () => {
    const dir = join(root, 'db');
    mkdirSync(join(dir, 'base', '5'), { recursive: true, mode: 0o777 });
    chmodSync(join(dir, 'base'), 0o755);
    writeFileSync(join(dir, 'base', '5', '1259'), '', { mode: 0o666 });
    chmodSync(join(dir, 'base', '5', '1259'), 0o666);
    writeFileSync(join(dir, 'run.sh'), '', { mode: 0o755 });
    const outside = join(root, 'outside');
    writeFileSync(outside, '');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(dir, 'link'));
    restrictTree(dir);
    expect([dir, join(dir, 'base'), join(dir, 'base', '5'), join(dir, 'base', '5', '1259'), join(dir, 'run.sh')].map(modeOf)).toEqual([
      '700',
      '700',
      '700',
      '600',
      '700',
    ]);
    expect(modeOf(outside)).toBe('644');
    expect(() => restrictTree(join(root, 'missing'))).not.toThrow();
  });
});
