/**
 * The one place where Slipway's errors become HTTP answers and come back as errors: the status
 * `ERROR_CODES` gives the error's code, and a JSON body `{ error: { code, message, issues? } }`.
 */
import { ERROR_CODES, InvalidInputError, PolicyViolationError, SlipwayError, isErrorCode, type InputIssue, type PolicyViolation } from '../errors.js';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly InputIssue[];
    readonly violations?: readonly PolicyViolation[];
  };
}

/** HTTP status for an error: its code's status (`ERROR_CODES`), 500 for anything unexpected. */
export function httpStatusOf(error: unknown): number {
  return error instanceof SlipwayError ? ERROR_CODES[error.code].http : ERROR_CODES.internal.http;
}

/** The JSON body for an error. Unexpected errors say only that they happened, never their details. */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof InvalidInputError) return { error: { code: error.code, message: error.message, issues: error.issues } };
  if (error instanceof PolicyViolationError) return { error: { code: error.code, message: error.message, violations: error.violations.map(({ service, environment, constraint, message }) => ({ service, environment, constraint, message })) } };
  if (error instanceof SlipwayError) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'internal', message: 'internal error; the server log has the details' } };
}

/**
 * The error an error body describes, as the typed class where there is one. A code this Slipway
 * does not know (a newer server's) comes back as `internal`, its message kept.
 */
export function errorFromBody(body: ErrorBody): SlipwayError {
  const { code, message, issues, violations } = body.error;
  if (issues) return new InvalidInputError(issues);
  if (violations) return new PolicyViolationError(violations);
  return new SlipwayError(isErrorCode(code) ? code : 'internal', message);
}
