/**
 * The one place where Slipway's errors become HTTP answers and come back as errors: a status
 * code by error code, and a JSON body `{ error: { code, message, issues? } }`.
 */
import { InvalidInputError, PolicyViolationError, SlipwayError, type InputIssue, type PolicyViolation } from '../errors.js';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly InputIssue[];
    readonly violations?: readonly PolicyViolation[];
  };
}

const statusByCode: Readonly<Record<string, number>> = {
  'invalid-input': 422,
  'policy-violation': 422,
  'bad-request': 400,
  'invalid-request': 422,
  unauthenticated: 401,
  forbidden: 403,
  'too-large': 413,
  'unsupported-media-type': 415,
  unavailable: 503,
  gated: 409,
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
  if (error instanceof PolicyViolationError) return { error: { code: error.code, message: error.message, violations: error.violations.map(({ service, environment, constraint, message }) => ({ service, environment, constraint, message })) } };
  if (error instanceof SlipwayError) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'internal', message: 'internal error; the server log has the details' } };
}

/** The error an error body describes, as the typed class where there is one. */
export function errorFromBody(body: ErrorBody): SlipwayError {
  const { code, message, issues, violations } = body.error;
  if (issues) return new InvalidInputError(issues);
  if (violations) return new PolicyViolationError(violations);
  return new SlipwayError(code, message);
}
