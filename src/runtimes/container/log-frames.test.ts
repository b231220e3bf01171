import { describe, expect, it } from 'vitest';
import { LogReader, sinceOf, type OutputLine } from './log-frames.js';

/** One log entry as the engine frames it, with its time. */
function frame(stream: 1 | 2, text: string, time = '2026-01-02T03:04:05.000000001Z'): Buffer {
  const payload = Buffer.from(`${time} ${text}`);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function readAll(reader: LogReader, ...chunks: Buffer[]): OutputLine[] {
  return [...chunks.flatMap((chunk) => reader.push(chunk)), ...reader.end()];
}

describe('LogReader', () => {
  it('splits stdout and stderr into lines without their times, dropping a truncated last frame', () => {
    const bytes = Buffer.concat([frame(1, 'one\ntwo\n'), frame(2, 'oops\n'), frame(1, 'cut').subarray(0, 9)]);
    expect(readAll(new LogReader(), bytes)).toEqual([
      { stream: 'stdout', line: 'one' },
      { stream: 'stdout', line: 'two' },
      { stream: 'stderr', line: 'oops' },
    ]);
  });

  it('reassembles frames and lines split across chunks anywhere, each stream holding its own partial line', () => {
    const bytes = Buffer.concat([frame(1, 'hel'), frame(2, 'warn'), frame(1, 'lo ✓\nnext'), frame(2, 'ing\n'), frame(1, '\n')]);
    const expected = [
      { stream: 'stdout', line: 'hello ✓' },
      { stream: 'stderr', line: 'warning' },
      { stream: 'stdout', line: 'next' },
    ];
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(readAll(new LogReader(), bytes.subarray(0, cut), bytes.subarray(cut))).toEqual(expected);
    }
    expect(readAll(new LogReader(), ...[...bytes].map((byte) => Buffer.of(byte)))).toEqual(expected);
  });

  it('gives a partial last line at the end', () => {
    expect(readAll(new LogReader(), frame(1, 'done\nno line end'))).toEqual([
      { stream: 'stdout', line: 'done' },
      { stream: 'stdout', line: 'no line end' },
    ]);
  });

  it('marks where it got to, and a read resumed from that mark skips the entries already read', () => {
    const [t1, t2] = ['2026-01-02T03:04:05Z', '2026-01-02T03:04:06Z'];
    const first = new LogReader();
    expect(first.mark).toBeUndefined();
    readAll(first, frame(1, 'a\n', t1), frame(1, 'b\n', t2), frame(2, 'c\n', t2));
    expect(first.mark).toEqual({ time: t2, run: ['stdout b\n', 'stderr c\n'] });
    const resumed = new LogReader(first.mark);
    expect(readAll(resumed, frame(1, 'b\n', t2), frame(2, 'c\n', t2), frame(2, 'd\n', t2), frame(1, 'e\n', t2))).toEqual([
      { stream: 'stderr', line: 'd' },
      { stream: 'stdout', line: 'e' },
    ]);
    expect(resumed.mark).toEqual({ time: t2, run: ['stdout b\n', 'stderr c\n', 'stderr d\n', 'stdout e\n'] });
    const idle = new LogReader(first.mark);
    readAll(idle);
    expect(idle.mark).toEqual(first.mark);
  });

  it('resumes after a read that began with a tail, which saw only the last entries of their second', () => {
    // Podman times entries to the second: the tail gave "err 1" alone, and a read from that second starts with all seven.
    const t = '2026-01-02T03:04:05Z';
    const second = ['start 1', 'out 1', 'out 2', 'out 3', 'out 4', 'out 5'].map((text) => frame(1, `${text}\n`, t));
    const tail = new LogReader();
    expect(readAll(tail, frame(2, 'err 1\n', t))).toEqual([{ stream: 'stderr', line: 'err 1' }]);
    const resumed = new LogReader(tail.mark);
    expect(readAll(resumed, ...second, frame(2, 'err 1\n', t), frame(1, 'start 1\n', t), frame(1, 'later\n', '2026-01-02T03:04:06Z'))).toEqual([
      { stream: 'stdout', line: 'start 1' },
      { stream: 'stdout', line: 'later' },
    ]);
  });

  it('gives what it held back when the run does not come again, and drops it when the answer ends first', () => {
    const [t1, t2] = ['2026-01-02T03:04:05Z', '2026-01-02T03:04:06Z'];
    const mark = { time: t1, run: ['stdout gone\n'] };
    expect(readAll(new LogReader(mark), frame(1, 'x\n', t1), frame(1, 'y\n', t2))).toEqual([
      { stream: 'stdout', line: 'x' },
      { stream: 'stdout', line: 'y' },
    ]);
    expect(readAll(new LogReader({ time: t1, run: ['stdout b\n', 'stdout c\n'] }), frame(1, 'a\n', t1), frame(1, 'b\n', t1))).toEqual([]);
  });
});

describe('sinceOf', () => {
  it('gives the seconds of an RFC 3339 time, keeping its fraction to the digit', () => {
    expect(sinceOf('2026-01-02T03:04:05Z')).toBe(String(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000));
    expect(sinceOf('2026-01-02T03:04:05.000000001Z')).toBe(`${Date.UTC(2026, 0, 2, 3, 4, 5) / 1000}.000000001`);
    expect(sinceOf('2026-01-02T05:04:05.5+02:00')).toBe(`${Date.UTC(2026, 0, 2, 3, 4, 5) / 1000}.5`);
    expect(sinceOf('yesterday')).toBeUndefined();
  });
});
