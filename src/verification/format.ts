/** Words for verification messages: numbers, clock times, output tails, network failures. */
import { errorMessage } from '../errors.js';

/** A measured value as a person reads it: three significant digits, whole numbers from 1000 up. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

/** `12:00:03 UTC` for a time in ms since the epoch. */
export function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** The last `lines` lines of `text` (at most `chars` characters), trimmed; empty when there is nothing. */
export function tail(text: string, lines = 10, chars = 1_000): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n').slice(-chars).trim();
}

/** `1 endpoint`, `2 endpoints`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Why a `fetch` got no answer: the socket error's code (`ECONNREFUSED`) that fetch wraps in `cause`, else the message. */
export function fetchFailure(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? errorMessage(error);
}
