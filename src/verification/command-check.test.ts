import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCommandCheck } from './command-check.js';
import { CommandCheck, type VerificationTarget } from './types.js';

const target: VerificationTarget = {
  service: 'api',
  environment: 'staging',
  release: '1.4.0',
  endpoints: ['http://127.0.0.1:4001', { url: 'http://127.0.0.1:4002' }],
};

/** The state letter in /proc/<pid>/stat (`Z` for a zombie), or `gone`. */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0]!;
  } catch {
    return 'gone';
  }
}

function node(script: string, fields: Partial<CommandCheck> = {}): CommandCheck {
  return CommandCheck.parse({ name: 'smoke', command: process.execPath, args: ['-e', script], ...fields });
}

describe('runCommandCheck', () => {
  it('passes on exit 0, with the SLIPWAY_* variables, its own env and this process’s PATH set', async () => {
    const script = `const e = process.env; if (e.SLIPWAY_SERVICE !== 'api' || e.SLIPWAY_ENVIRONMENT !== 'staging' || e.SLIPWAY_RELEASE !== '1.4.0' ||
      e.SLIPWAY_URL !== 'http://127.0.0.1:4001' || e.TOKEN !== 'x' || !e.PATH) process.exit(3)`;
    const progress: string[] = [];
    const result = await runCommandCheck(node(script, { env: { TOKEN: 'x' } }), target, { onProgress: (m) => progress.push(m) });
    expect(result).toMatchObject({ name: 'smoke', kind: 'command', outcome: 'passed', passed: true });
    expect(result.message).toBe('smoke passed (exit 0)');
    expect(progress).toEqual([expect.stringMatching(/^smoke: running /)]);
  });

  it('fails on another exit code, with the tail of stdout and stderr together', async () => {
    const script = "for (let i = 1; i <= 30; i++) console.log('line ' + i); console.error('boom: 502 from /orders'); process.exit(2)";
    const result = await runCommandCheck(node(script), target);
    expect(result.passed).toBe(false);
    const [headline, ...output] = result.message.split('\n');
    expect(headline).toBe('smoke failed: exit code 2; its output ends with:');
    expect(output).toHaveLength(10);
    expect(output.at(-1)).toBe('boom: 502 from /orders');
    expect(output[0]).toBe('line 22');
  });

  it('kills the command and its children at the timeout and says so', async () => {
    // Both would outlive the test by far: the check can only end because it killed them (the
    // grandchild holds the output pipe open, so a check that killed only the command would hang).
    const script = [
      "const c = require('child_process').spawn('sleep', ['3600'], { stdio: 'inherit' });",
      "console.log('waiting for the queue, pid ' + c.pid); setTimeout(() => {}, 3600000)",
    ].join(' ');
    const result = await runCommandCheck(node(script, { timeoutSeconds: 0.5 }), target);
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/^smoke timed out after 0\.5 s and was killed; its output ends with:\nwaiting for the queue, pid \d+$/);
    const grandchild = Number(/pid (\d+)/.exec(result.message)![1]);
    await expect.poll(() => processState(grandchild)).toMatch(/^(gone|Z)$/); // killed (SIGKILL lands at once, the state a moment later); a zombie only waits for init to reap it
  });

  it('fails with the reason when the command cannot be started', async () => {
    const result = await runCommandCheck(CommandCheck.parse({ name: 'smoke', command: '/nonexistent/smoke-test' }), target);
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/^smoke: could not run \/nonexistent\/smoke-test: .*ENOENT/);
  });

  it('kills the command and rejects with the reason when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = runCommandCheck(node('setTimeout(() => {}, 30000)'), target, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    await expect(pending).rejects.toThrow('cancelled');
  });
});
