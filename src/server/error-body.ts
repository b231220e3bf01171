/**
 * The one place where Slipway's errors become HTTP answers and come back as errors: a status
 * code by error code, and a JSON body `{ error: { code, message, issues? } }`.
 */
import { InvalidInputError, SlipwayError, type InputIssue } from '../errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly issues?: readonly InputIssue[] };
}

const statusByCode: Readonly<Record<string, number>> = {
  'invalid-input': 422,
  'bad-request': 400,
  'not-found': 404,
  conflict: 409,
  locked: 409,
  'runtime-failed': 502,
};

/** HTTP status for an error: its code's status, 500 for anything unexpected. */
export function httpStatusOf(error: unknown): number {
  return error instanceof SlipwayError ? (statusByCode[error.code] ?? 500) : 500;
}

/** The JSON body for an error. Unexpected errors say only that they happened, never their details. */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof InvalidInputError) return { error: { code: error.code, message: error.message, issues: error.issues } };
  if (error instanceof SlipwayError) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'internal', message: 'internal error; the server log has the details' } };
}

/** The error an error body describes, as the typed class where there is one. */
export function errorFromBody(body: ErrorBody): SlipwayError {
  const { code, message, issues } = body.error;
  return issues ? new InvalidInputError(issues) : new SlipwayError(code, message);
}
