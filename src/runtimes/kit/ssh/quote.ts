/** Words for a POSIX shell on a host. Pure. */

/** `value` as one single-quoted sh word. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
