/** The one place where errors become words for a person and an exit code for a script. */
import { InvalidInputError, PolicyViolationError, SlipwayError, errorMessage } from '../errors.js';
import { LockedError } from '../engine/index.js';

/** Exit codes with a meaning: 1 the work failed, 2 bad input or usage, 3 not found, 4 busy or in conflict, 5 not allowed. */
export const ExitCode = { ok: 0, failed: 1, invalidInput: 2, notFound: 3, conflict: 4, denied: 5, internal: 70 } as const;

const exitByCode: Readonly<Record<string, number>> = {
  'invalid-input': ExitCode.invalidInput,
  'bad-request': ExitCode.invalidInput,
  'invalid-request': ExitCode.invalidInput,
  'too-large': ExitCode.invalidInput,
  'project-not-found': ExitCode.notFound,
  'not-found': ExitCode.notFound,
  conflict: ExitCode.conflict,
  locked: ExitCode.conflict,
  gated: ExitCode.conflict,
  unauthenticated: ExitCode.denied,
  forbidden: ExitCode.denied,
  'store-locked': ExitCode.conflict,
  'runtime-failed': ExitCode.failed,
};

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
  if (error instanceof SlipwayError) return { text: error.message, exitCode: exitByCode[error.code] ?? ExitCode.failed };
  return { text: `unexpected error: ${errorMessage(error)}`, exitCode: ExitCode.internal };
}
