/** Small helpers every CLI command module shares. */
import type { z } from 'zod';
import { SlipwayError } from '../errors.js';
import { checkName } from '../inputs/name.js';

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

/**
 * A commander parser for an argument or option: the value when `rule` (of `inputs/name.ts`)
 * accepts it, else `InvalidNameError` (exit 2) as the command line is read, before anything is called.
 */
export function checked(rule: z.ZodString, kind: string): (value: string) => string {
  return (value) => checkName(rule, kind, value);
}

/** `checked` for an option that takes several values (`-g a b`, `-g a -g b`): the values so far, and this one. */
export function checkedList(rule: z.ZodString, kind: string): (value: string, previous?: string[]) => string[] {
  return (value, previous = []) => [...previous, checkName(rule, kind, value)];
}

/** Resolves at the first SIGINT or SIGTERM. */
export function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
