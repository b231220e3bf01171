import { describe, expect, it } from 'vitest';
import { INVENTORY_END } from './remote.js';
import { HostSession, type RunScript } from './session.js';

describe('HostSession output', () => {
  it('reads a character whose bytes come in two chunks as that character', async () => {
    const output = Buffer.from(`@@release web-…-ü\n${INVENTORY_END}\n`);
    const cut = output.indexOf(Buffer.from('…')) + 1; // inside the three bytes of '…'
    const run: RunScript = async (_script, { onStdout }) => {
      onStdout!(output.subarray(0, cut));
      onStdout!(output.subarray(cut));
      return { code: 0, stdout: '', stderr: '' };
    };
    const inventory = await new HostSession('edge1', run, '/srv/slipway').inventory();
    expect([...inventory.releases]).toEqual(['web-…-ü']);
  });
});
