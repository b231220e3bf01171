/**
 * Progress for work slower than a second: a spinner line on a terminal, plain lines otherwise
 * (so logs and CI output stay readable). Writes to stderr, keeping stdout for results. Messages
 * pass through `terminalSafe`: they name releases and quote what runtimes report.
 */
import { terminalSafe } from '../terminal-text.js';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  /** Replaces the current message. */
  update(message: string): void;
  /** Clears the spinner. Idempotent. */
  stop(): void;
}

/** Starts showing `message`; the spinner appears only after a second, so quick work shows nothing. */
export function startProgress(message: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    stream.write(`${terminalSafe(message)}\n`);
    return { update: (m) => stream.write(`  ${terminalSafe(m)}\n`), stop: () => {} };
  }
  let current = terminalSafe(message);
  let frame = 0;
  let spinner: NodeJS.Timeout | undefined;
  const draw = () => stream.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${current}`);
  const delay = setTimeout(() => (spinner = setInterval(draw, 100)), 1000);
  return {
    update(m) {
      current = terminalSafe(m);
    },
    stop() {
      clearTimeout(delay);
      if (spinner) stream.write('\r\x1b[2K');
      clearInterval(spinner);
      spinner = undefined;
    },
  };
}
