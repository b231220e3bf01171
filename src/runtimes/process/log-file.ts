/**
 * Instance log files: appended to by the child itself (it holds the file descriptor, so output
 * survives the orchestrator), rotated by copy-truncate, read back as lines.
 */
import { closeSync, openSync } from 'node:fs';
import { chmod, copyFile, link, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { PRIVATE_FILE } from '../../state-dir.js';
import { LineSplitter } from '../kit/lines.js';

/** Opens `path` for appending (created 0600) and returns the descriptor; the caller closes it after the spawn. */
export function openAppend(path: string): number {
  return openSync(path, 'a', PRIVATE_FILE);
}

/** Closes a descriptor from {@link openAppend}. */
export function closeFd(fd: number): void {
  closeSync(fd);
}

/**
 * When `path` is larger than `maxBytes`: copies it aside, shifts `.1`…`.keep-1` up by one
 * (dropping the oldest), puts the copy in as `.1` and truncates the file in place. Every file is
 * replaced by a rename (a shifted one through a hard link first), so none of `.1`…`.keep` ever
 * goes missing once it exists or holds half a copy; copies are 0600. The file is truncated in
 * place, so a writer holding it open in append mode carries on at the start. With `keep` 0 the
 * file is only truncated. Lines written between copy and truncate are lost (the price of
 * copy-truncate). Returns whether it rotated; a missing file is no-op.
 */
export async function rotateIfLarger(path: string, maxBytes: number, keep: number): Promise<boolean> {
  const size = await stat(path).then((s) => s.size, () => -1);
  if (size <= maxBytes) return false;
  if (keep > 0) {
    await copyFile(path, `${path}.new`);
    await chmod(`${path}.new`, PRIVATE_FILE);
  }
  for (let i = keep - 1; i >= 1; i--) {
    const next = `${path}.${i + 1}`;
    await rm(`${next}.new`, { force: true });
    const linked = await link(`${path}.${i}`, `${next}.new`).then(
      () => true,
      () => false,
    );
    if (linked) await rename(`${next}.new`, next);
  }
  if (keep > 0) await rename(`${path}.new`, `${path}.1`);
  await truncate(path, 0);
  return true;
}

/**
 * The last `count` complete or partial lines of `path` among its first `upTo` bytes (default: all
 * of it); [] for a missing file. Reads from the end only. A reader that follows with a
 * {@link LogCursor} passes the cursor's offset, so that a line appended in between is read once.
 */
export async function tailLines(path: string, count: number, upTo = Infinity): Promise<string[]> {
  if (count <= 0) return [];
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return [];
  try {
    const size = Math.min((await handle.stat()).size, upTo);
    const chunk = 64 * 1024;
    let position = size;
    const buffers: Buffer[] = [];
    let newlines = 0;
    while (position > 0 && newlines <= count) {
      const length = Math.min(chunk, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      buffers.unshift(buffer);
      newlines += countNewlines(buffer);
    }
    const lines = new LineSplitter();
    return [...lines.push(Buffer.concat(buffers)), ...lines.end()].slice(-count);
  } finally {
    await handle.close();
  }
}

/**
 * Reads what was appended to one log file since the last call. Notices rotation (the file got
 * shorter than what was read) and starts again from its beginning. Holds back a partial last line.
 */
export class LogCursor {
  #offset: number;
  #lines = new LineSplitter();

  /** Starts at `offset` (use the file size to read only new lines). */
  constructor(
    readonly path: string,
    offset: number,
  ) {
    this.#offset = offset;
  }

  /** Where the next read starts, in bytes. */
  get offset(): number {
    return this.#offset;
  }

  /** Starts at the current end of `path` (0 for a missing file). */
  static async atEnd(path: string): Promise<LogCursor> {
    return new LogCursor(path, await stat(path).then((s) => s.size, () => 0));
  }

  /** Complete lines appended since the last read. Never throws for a missing file. */
  async read(): Promise<string[]> {
    const size = await stat(this.path).then((s) => s.size, () => 0);
    if (size < this.#offset) {
      this.#offset = 0;
      this.#lines = new LineSplitter();
    }
    if (size === this.#offset) return [];
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (!handle) return [];
    try {
      const buffer = Buffer.alloc(size - this.#offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
      this.#offset += bytesRead;
      return this.#lines.push(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  }
}

function countNewlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
