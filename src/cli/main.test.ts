import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

/** Characters a terminal acts on: ESC, CSI (C1), a right-to-left override. */
const UNSAFE = ['\u001b', '\u009b', '\u202e'];
const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-main-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI', () => {
  it('refuses a version, a service or an environment that breaks its rule before it calls anything', async () => {
    const elsewhere = ['--project', join(dir, 'missing')];
    for (const args of [['release', 'create', 'web', '--version', 'v1\u001b[2J'], ['deploy', 'web', '-e', 'dev', '--version', 'v1\u0000'], ['events', '--service', 'w\u0000eb'], ['logs', 'web', '-e', 'd\u202eev']]) {
      const out: string[] = [];
      const code = await main(['node', 'slipway', ...elsewhere, ...args], { out: (t) => out.push(t), err: (t) => out.push(t) });
      expect([code, out.join('\n')], args.join(' ')).toEqual([2, expect.stringMatching(/is not a valid (release version|service name|environment name): expected/)]);
      for (const unsafe of [...UNSAFE, '\u0000']) expect(out.join('\n')).not.toContain(unsafe);
    }
  });
});
