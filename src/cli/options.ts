/** Small helpers every CLI command module shares. */
import { SlipwayError } from '../errors.js';

/** A mistake in how a command was called: exit code 2, nothing changed. */
export class UsageError extends SlipwayError {
  constructor(message: string) {
    super('bad-request', message);
  }
}

/** `value` as a whole number ≥ 0; a `UsageError` naming `option` otherwise. */
export function wholeNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${option} takes a whole number, got "${value}"`);
  return n;
}

/** Resolves at the first SIGINT or SIGTERM. */
export function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
