/**
 * Slipway's typed errors. Each has a stable `code` that scripts and the HTTP API can rely on;
 * the CLI turns them into words (`cli/humanize.ts`), the server into status codes.
 */
export class SlipwayError extends Error {
  override readonly name: string = 'SlipwayError';
  constructor(
    readonly code: string,
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
