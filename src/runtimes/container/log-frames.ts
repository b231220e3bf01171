/**
 * A container's log bytes read as lines. Slipway's containers have no TTY, so the Docker Engine
 * API multiplexes stdout and stderr into frames: an 8-byte header — stream (1 stdout, 2 stderr),
 * three zero bytes, a big-endian 32-bit length — then the payload, one log entry (a line, or part
 * of one). Logs are asked for with timestamps, so each payload starts with the entry's time
 * (RFC 3339) and a space: the place where a read ended, to resume from.
 */
import { LineSplitter } from '../kit/lines.js';

/** One line of a container's output and the stream it came from. */
export interface OutputLine {
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/**
 * Where a read got to: the time of its last entry and the last entries of that time it read
 * (stream and text, at most {@link MARK_RUN} of them, oldest first). Times are exact where they
 * have nanoseconds (Docker); Podman 4.3 gives whole seconds, and a read resumed from a time starts
 * with every entry of that second, of which a read that began with a tail saw only the last few:
 * so a resumed read recognises where it was by the entries themselves, not by their number.
 */
export interface LogMark {
  readonly time: string;
  readonly run: readonly string[];
}

/** Entries of one time kept in a mark: enough to recognise the place in a second's output. */
export const MARK_RUN = 32;

const HEADER_BYTES = 8;
const SPACE = 0x20;

/**
 * Reads one answer's bytes in chunks as they arrive. Frames and lines may be split anywhere
 * across chunks; each stream keeps its own partial last line until a later entry completes it or
 * {@link end} gives it up. Given `after`, the mark of an earlier read, it skips the entries that
 * read already had (a read from {@link sinceOf} that mark starts with them): the entries of the
 * mark's time up to the end of its run. Should the run not come (the engine no longer has it),
 * the entries held back are given after all, so nothing is lost.
 */
export class LogReader {
  readonly #splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  /** Bytes of a frame not complete yet. */
  #pending: Buffer = Buffer.alloc(0);
  #mark: LogMark | undefined;
  /** While looking for the end of the mark's run: the entries of its time held back so far. */
  #held: Entry[] | undefined;

  constructor(after?: LogMark) {
    this.#mark = after;
    this.#held = after && after.run.length > 0 ? [] : undefined;
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

  /**
   * The partial last line of each stream, once the answer has ended; a truncated frame is dropped.
   * Entries still held back are dropped too: an answer that ends before the mark's run has come
   * again ended early, and what it held back was read before.
   */
  end(): OutputLine[] {
    this.#pending = Buffer.alloc(0);
    this.#held = undefined;
    return (['stdout', 'stderr'] as const).flatMap((stream) => this.#splitters[stream].end().map((line) => ({ stream, line })));
  }

  #entry(stream: OutputLine['stream'], payload: Buffer): OutputLine[] {
    const space = payload.indexOf(SPACE);
    const time = payload.toString('latin1', 0, Math.max(space, 0));
    const text = payload.subarray(space + 1);
    const entry: Entry = { time, stream, text, key: `${stream} ${text.toString('latin1')}` };
    if (this.#held && time === this.#mark!.time) {
      this.#held.push(entry);
      if (endsWithRun(this.#held, this.#mark!.run)) this.#held = undefined;
      return [];
    }
    // A later time before the run came again: the run is gone, and what was held back is new.
    const held = this.#held ?? [];
    this.#held = undefined;
    return [...held, entry].flatMap((e) => this.#give(e));
  }

  #give({ time, stream, text, key }: Entry): OutputLine[] {
    const run = time === this.#mark?.time ? [...this.#mark.run, key].slice(-MARK_RUN) : [key];
    this.#mark = { time, run };
    return this.#splitters[stream].push(text).map((line) => ({ stream, line }));
  }
}

/** One log entry: its time, stream, text, and the two as one string, as a mark's run holds it. */
interface Entry {
  readonly time: string;
  readonly stream: OutputLine['stream'];
  readonly text: Buffer;
  readonly key: string;
}

function endsWithRun(entries: readonly Entry[], run: readonly string[]): boolean {
  const offset = entries.length - run.length;
  return offset >= 0 && run.every((key, i) => entries[offset + i]!.key === key);
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
