/**
 * Slipway's typed errors. Each has a stable `code` that scripts and the HTTP API can rely on;
 * `ERROR_CODES` gives every code its HTTP status and exit code, read by the server
 * (`server/error-body.ts`) and the CLI (`cli/humanize.ts`), so a new code cannot fall through.
 */
import { terminalSafe } from './terminal-text.js';

/** Exit codes with a meaning: 1 the work failed, 2 bad input or usage, 3 not found, 4 busy or in conflict, 5 not allowed. */
export const ExitCode = { ok: 0, failed: 1, invalidInput: 2, notFound: 3, conflict: 4, denied: 5, internal: 70 } as const;

const input = { http: 422, exit: ExitCode.invalidInput };
const failed = { http: 502, exit: ExitCode.failed };

/** Every error code, with the HTTP status the server answers it with and the exit code the CLI ends with. */
export const ERROR_CODES = {
  'bad-request': { http: 400, exit: ExitCode.invalidInput },
  'invalid-request': input,
  'invalid-input': input,
  'invalid-name': input,
  'invalid-secret-name': input,
  'invalid-digest': input,
  'invalid-placeholder': input,
  'invalid-resource-request': input,
  'policy-violation': input,
  'secret-unresolved': input,
  'unsupported-file': input,
  'too-large': { http: 413, exit: ExitCode.invalidInput },
  'unsupported-media-type': { http: 415, exit: ExitCode.invalidInput },
  unauthenticated: { http: 401, exit: ExitCode.denied },
  forbidden: { http: 403, exit: ExitCode.denied },
  'not-found': { http: 404, exit: ExitCode.notFound },
  'project-not-found': { http: 404, exit: ExitCode.notFound },
  conflict: { http: 409, exit: ExitCode.conflict },
  gated: { http: 409, exit: ExitCode.conflict },
  locked: { http: 409, exit: ExitCode.conflict },
  'store-locked': { http: 409, exit: ExitCode.conflict },
  'runtime-failed': failed,
  'provisioner-failed': failed,
  'prometheus-failed': failed,
  /** A build's checkout, image build, push or commands failed; its log says where. */
  'build-failed': failed,
  /** A git command against a source repository failed: unreachable, refused, not a repository. */
  'git-failed': failed,
  unavailable: { http: 503, exit: ExitCode.failed },
  /** The secret store's key is missing or unsafe, or a secret does not decrypt with it: the server's to mend. */
  'secret-key': { http: 500, exit: ExitCode.failed },
  'secret-undecryptable': { http: 500, exit: ExitCode.failed },
  /** A runtime's sealed record does not decrypt with the key: that instance cannot start again until redeployed. */
  'sealed-undecryptable': { http: 500, exit: ExitCode.failed },
  /** The state directory may be written by others, or belongs to another user: the operator's to mend. */
  'unsafe-state-dir': { http: 500, exit: ExitCode.denied },
  /** Anything unexpected; its details are in the server's log, never in an answer. */
  internal: { http: 500, exit: ExitCode.internal },
} as const satisfies Record<string, { readonly http: number; readonly exit: number }>;

/** The closed vocabulary of error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True for a code in `ERROR_CODES` (an answer from another Slipway may carry a code this one lacks). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** An error Slipway expects and can explain: its `code` decides the HTTP status and exit code. */
export class SlipwayError extends Error {
  override readonly name: string = 'SlipwayError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where in which file something was found: 1-based line and column. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One problem in an input file, with its position and what was expected. */
export interface InputIssue extends SourcePosition {
  /** Dotted path of the offending value, e.g. `services.api.workload.ports.http`. */
  readonly path: string;
  readonly message: string;
}

/** An input file is invalid. Carries every issue found, not just the first. Nothing was changed. */
export class InvalidInputError extends SlipwayError {
  override readonly name = 'InvalidInputError';
  constructor(readonly issues: readonly InputIssue[]) {
    super('invalid-input', issues.map(formatIssue).join('\n'));
  }
}

/** `file:line:column: path: message`, the form editors and terminals link to. */
export function formatIssue(issue: InputIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** A named thing (service, environment, release, deployment…) does not exist. */
export class NotFoundError extends SlipwayError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly key: string,
  ) {
    super('not-found', `${kind} "${key}" not found`);
  }
}

/** The request conflicts with what is recorded (e.g. a release version reused with other content). */
export class ConflictError extends SlipwayError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A runtime could not carry out an operation; the previous release is left running. */
export class RuntimeError extends SlipwayError {
  override readonly name: string = 'RuntimeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime-failed', message, options);
  }
}

/**
 * A rollout reached every target or host it could; `left` could not be reached and run what they
 * ran before. The deployment is `partial`, and the reconcile loop finishes it when they return.
 */
export class PartialRolloutError extends RuntimeError {
  override readonly name = 'PartialRolloutError';
  constructor(
    message: string,
    readonly left: readonly string[],
  ) {
    super(message);
  }
}

/** The message of anything thrown, for logs and step results. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An unexpected error as a log entry: its class, code, message and stack, then each cause's the
 * same way, through `terminalSafe`. Nothing else of it: a database error's statement, parameters
 * and detail hold what callers sent (a secret's value among them, or bytes that were the fault).
 */
export function logEntry(error: unknown): string {
  const parts: string[] = [];
  for (let at: unknown = error, depth = 0; at !== undefined && depth < 5; at = at instanceof Error ? at.cause : undefined, depth++) {
    parts.push((depth ? 'caused by: ' : '') + describeForLog(at));
  }
  return terminalSafe(parts.join('\n'));
}

function describeForLog(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'object' && error !== null ? 'a thrown object' : `thrown: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  const kind = Object.getPrototypeOf(error)?.constructor?.name || error.name;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [`${kind}${typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : ''}: ${error.message}`, ...frames].join('\n');
}

/** One broken constraint, told as a sentence that names both sides and the constraint's owner. */
export interface PolicyViolation {
  readonly service: string;
  readonly environment: string;
  readonly constraint: string;
  readonly message: string;
}

/** Services break constraints that layers set. Carries every violation found. Nothing was changed. */
export class PolicyViolationError extends SlipwayError {
  override readonly name = 'PolicyViolationError';
  constructor(readonly violations: readonly PolicyViolation[]) {
    super('policy-violation', violations.map((v) => v.message).join('\n'));
  }
}
