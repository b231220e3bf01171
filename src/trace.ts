/**
 * Timings for finding where a command's time goes: with `SLIPWAY_TRACE=1` in the environment,
 * `trace(what)` writes `slipway trace <ms> <what>` to stderr, `<ms>` counted from the start of the
 * process (Node's own start included). Without it, nothing is written. Never throws.
 */
const enabled = process.env.SLIPWAY_TRACE === '1';

/** Notes that `what` happened now (only with `SLIPWAY_TRACE=1`). */
export function trace(what: string): void {
  if (enabled) process.stderr.write(`slipway trace ${performance.now().toFixed(0)} ${what}\n`);
}
