/**
 * The Docker Engine API's multiplexed log format (no TTY): frames of an 8-byte header — stream
 * (1 stdout, 2 stderr), three zero bytes, a big-endian 32-bit length — then the payload.
 */

export interface LogChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** Splits a complete multiplexed buffer into chunks; a truncated last frame is dropped. */
export function demuxLogs(buffer: Buffer): LogChunk[] {
  const chunks: LogChunk[] = [];
  for (let offset = 0; offset + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(offset + 4);
    const end = offset + 8 + length;
    if (end > buffer.length) break;
    chunks.push({ stream: buffer[offset] === 2 ? 'stderr' : 'stdout', text: buffer.toString('utf8', offset + 8, end) });
    offset = end;
  }
  return chunks;
}

/** The lines of the chunks, in order, without their line ends and without a trailing empty line. */
export function logLines(chunks: readonly LogChunk[]): { stream: LogChunk['stream']; line: string }[] {
  return chunks.flatMap((chunk) =>
    chunk.text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => ({ stream: chunk.stream, line })),
  );
}
