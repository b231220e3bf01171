import { describe, expect, it } from 'vitest';
import { startProgress } from './progress.js';

describe('startProgress', () => {
  it('shows control characters in its messages as escapes', () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const progress = startProgress('deploying web v1\u001b[2J', stream);
    progress.update('host web-1 runs release \u009b31m');
    progress.stop();
    expect(written).toEqual(['deploying web v1\\u001b[2J\n', '  host web-1 runs release \\u009b31m\n']);
  });
});
