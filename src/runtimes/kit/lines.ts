/** Output arriving in chunks, read as lines: shared by the adapters that stream logs. */
import { StringDecoder } from 'node:string_decoder';

/**
 * Splits UTF-8 bytes arriving in chunks into lines, without their `\n`. A line or a character
 * split across chunks is reassembled; a partial last line is held until a later chunk completes it
 * or {@link end} gives it up. One splitter per stream of bytes.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  /** The lines that `chunk` completes, in order (often none). */
  push(chunk: Buffer): string[] {
    const text = this.#decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.#partial += text;
      return [];
    }
    const lines = (this.#partial + text.slice(0, end)).split('\n');
    this.#partial = text.slice(end + 1);
    return lines;
  }

  /** The held partial line, if any ([] when the bytes ended with a line end); the splitter is then empty. */
  end(): string[] {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest ? [rest] : [];
  }
}
