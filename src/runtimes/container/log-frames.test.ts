import { describe, expect, it } from 'vitest';
import { demuxLogs, logLines } from './log-frames.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker log frames', () => {
  it('split stdout and stderr into lines, dropping a truncated last frame', () => {
    const buffer = Buffer.concat([frame(1, 'one\ntwo\n'), frame(2, 'oops\n'), frame(1, 'cut').subarray(0, 9)]);
    expect(logLines(demuxLogs(buffer))).toEqual([
      { stream: 'stdout', line: 'one' },
      { stream: 'stdout', line: 'two' },
      { stream: 'stderr', line: 'oops' },
    ]);
  });
});
