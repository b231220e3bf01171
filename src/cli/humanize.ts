/** The one place where errors become words for a person, and an exit code (`ERROR_CODES`) for a script. */
import { ERROR_CODES, ExitCode, InvalidInputError, PolicyViolationError, SlipwayError, errorMessage } from '../errors.js';
import { LockedError } from '../engine/index.js';

export { ExitCode } from '../errors.js';

/** What to print and which code to exit with for an error. */
export function humanize(error: unknown): { text: string; exitCode: number } {
  if (error instanceof InvalidInputError) {
    const n = error.issues.length;
    return { text: `${error.message}\n${n} problem${n === 1 ? '' : 's'} found; nothing was changed.`, exitCode: ExitCode.invalidInput };
  }
  if (error instanceof PolicyViolationError) {
    const n = error.violations.length;
    return { text: `${error.message}\n${n} constraint violation${n === 1 ? '' : 's'}; nothing was changed.`, exitCode: ExitCode.invalidInput };
  }
  if (error instanceof LockedError) {
    return { text: `another Slipway (process ${error.pid}) has this project open, and its control socket does not answer`, exitCode: ExitCode.conflict };
  }
  if (error instanceof SlipwayError) return { text: error.message, exitCode: ERROR_CODES[error.code].exit };
  return { text: `unexpected error: ${errorMessage(error)}`, exitCode: ExitCode.internal };
}
