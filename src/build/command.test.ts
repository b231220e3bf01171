import { describe, expect, it } from 'vitest';
import { runStep } from './command.js';

describe('runStep', () => {
  it('hands on each line of stdout and stderr, and its input is given', async () => {
    const lines: string[] = [];
    await runStep('echo', 'sh', ['-c', 'read x; echo "got $x"; echo oops >&2; printf tail'], { input: 'it\n', onLine: (l) => lines.push(l) });
    expect(lines.sort()).toEqual(['got it', 'oops', 'tail']);
  });

  it('fails naming the step and its exit code', async () => {
    await expect(runStep('the check', 'sh', ['-c', 'exit 3'])).rejects.toMatchObject({ code: 'build-failed', message: 'the check failed: exit code 3' });
  });

  // `sleep` holds the output open: were only `sh` killed, the step would end 60 s later.
  it('an abort kills the whole process group and rejects with the reason', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const running = runStep('slow', 'sh', ['-c', 'sleep 60 & echo started; wait'], { signal: controller.signal, onLine: (l) => lines.push(l) });
    await expect.poll(() => lines).toEqual(['started']);
    controller.abort(new Error('cancelled by ann'));
    await expect(running).rejects.toThrow('cancelled by ann');
  });
});
