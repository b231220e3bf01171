/**
 * A container's log bytes read as lines. Slipway's containers have no TTY, so the Docker Engine
 * API multiplexes stdout and stderr into frames: an 8-byte header — stream (1 stdout, 2 stderr),
 * three zero bytes, a big-endian 32-bit length — then the payload, one log entry (a line, or part
 * of one). Logs are asked for with timestamps, so each payload starts with the entry's time
 * (RFC 3339) and a space: the place where a read ended, to resume from.
 */
import { LineSplitter } from '../lines.js';

/** One line of a container's output and the stream it came from. */
export interface OutputLine {
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/**
 * Where a read got to: the time of its last entry and how many entries of that time it read.
 * Exact where times have nanoseconds (Docker); Podman 4.3 gives whole seconds, so a read resumed
 * within the second in which its tail was cut repeats that second's earlier entries.
 */
export interface LogMark {
  readonly time: string;
  readonly entries: number;
}

const HEADER_BYTES = 8;
const SPACE = 0x20;

/**
 * Reads one answer's bytes in chunks as they arrive. Frames and lines may be split anywhere
 * across chunks; each stream keeps its own partial last line until a later entry completes it or
 * {@link end} gives it up. Given `after`, the mark of an earlier read, it skips the entries that
 * read already had (a read from {@link sinceOf} that mark starts with them).
 */
export class LogReader {
  readonly #splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  /** Bytes of a frame not complete yet. */
  #pending: Buffer = Buffer.alloc(0);
  #mark: LogMark | undefined;
  #skip: number;

  constructor(after?: LogMark) {
    this.#mark = after;
    this.#skip = after?.entries ?? 0;
  }

  /** Where this read got to; `after` until it reads a new entry, undefined when there is neither. */
  get mark(): LogMark | undefined {
    return this.#mark;
  }

  /** The lines that `chunk` completes, in order. */
  push(chunk: Buffer): OutputLine[] {
    const bytes = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const lines: OutputLine[] = [];
    let offset = 0;
    while (offset + HEADER_BYTES <= bytes.length) {
      const end = offset + HEADER_BYTES + bytes.readUInt32BE(offset + 4);
      if (end > bytes.length) break;
      lines.push(...this.#entry(bytes[offset] === 2 ? 'stderr' : 'stdout', bytes.subarray(offset + HEADER_BYTES, end)));
      offset = end;
    }
    this.#pending = bytes.subarray(offset);
    return lines;
  }

  /** The partial last line of each stream, once the answer has ended; a truncated frame is dropped. */
  end(): OutputLine[] {
    this.#pending = Buffer.alloc(0);
    return (['stdout', 'stderr'] as const).flatMap((stream) => this.#splitters[stream].end().map((line) => ({ stream, line })));
  }

  #entry(stream: OutputLine['stream'], payload: Buffer): OutputLine[] {
    const space = payload.indexOf(SPACE);
    const time = payload.toString('latin1', 0, Math.max(space, 0));
    if (this.#skip > 0 && time === this.#mark?.time) {
      this.#skip--;
      return [];
    }
    this.#skip = 0;
    this.#mark = { time, entries: time === this.#mark?.time ? this.#mark.entries + 1 : 1 };
    return this.#splitters[stream].push(payload.subarray(space + 1)).map((line) => ({ stream, line }));
  }
}

/**
 * The `since` parameter (seconds since the epoch, the fraction kept to the digit) of a read that
 * starts at the entries of `time`; undefined when `time` is not RFC 3339.
 */
export function sinceOf(time: string): string | undefined {
  const match = /^(.+?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) / 1000 : NaN;
  if (!Number.isInteger(seconds)) return undefined;
  return match![2] ? `${seconds}.${match![2]}` : String(seconds);
}
