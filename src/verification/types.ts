/**
 * What an environment's `verification:` section says, and what verifying a release reports.
 * One zod schema per check is the source of the TypeScript types and the runtime checks; every
 * object is strict, so an unknown key is an error rather than silently ignored.
 */
import { z } from 'zod';
import { RequestPath } from '../inputs/http-fields.js';

const Seconds = z.number().positive();
const Status = z.number().int().min(100).max(599);
const PortName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a port name of lower-case letters, digits and "-"');

/** The placeholders a metric query may contain; each is replaced by the release's own value. */
export const QUERY_PLACEHOLDERS = ['service', 'environment', 'release'] as const;
export type QueryPlaceholder = (typeof QUERY_PLACEHOLDERS)[number];

/**
 * GET `path` on every instance endpoint; each endpoint passes when one of `attempts` tries
 * answers an expected status. `port` picks another port of the instance (a number, or a port
 * name the endpoint declares); without it the endpoint's own URL is used.
 */
export const HttpCheck = z.strictObject({
  name: z.string().min(1).optional(),
  path: RequestPath.default('/'),
  port: z.union([PortName, z.number().int().min(1).max(65535)]).optional(),
  expectStatus: z.union([Status, z.array(Status).min(1)]).default(200),
  attempts: z.number().int().positive().default(3),
  /** Wait between attempts. */
  intervalSeconds: Seconds.default(1),
  /** Limit for one request. */
  timeoutSeconds: Seconds.default(5),
});
export type HttpCheck = z.infer<typeof HttpCheck>;

/**
 * A smoke test: `command args` run (no shell) with `SLIPWAY_SERVICE`, `SLIPWAY_ENVIRONMENT`,
 * `SLIPWAY_RELEASE` and `SLIPWAY_URL` (the first endpoint) added to the environment. Exit 0 passes.
 */
export const CommandCheck = z.strictObject({
  name: z.string().min(1),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  timeoutSeconds: Seconds.default(60),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).default({}),
});
export type CommandCheck = z.infer<typeof CommandCheck>;

/**
 * Metric analysis: the instant PromQL `query` is measured every `intervalSeconds` until
 * `windowSeconds` have passed (the first measurement one interval in). A measurement breaches
 * when its value is above `failWhen.above` or below `failWhen.below`; the check fails as soon as
 * breaches exceed `failureLimit`. When no measurement has data, `inconclusive` decides.
 */
export const MetricCheck = z
  .strictObject({
    name: z.string().min(1),
    prometheus: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }),
    /** PromQL; `${service}`, `${environment}` and `${release}` are replaced (quotes and backslashes escaped). */
    query: z
      .string()
      .min(1)
      .refine((query) => unknownPlaceholders(query).length === 0, {
        message: `only \${${QUERY_PLACEHOLDERS.join('}, ${')}} may be substituted in a query`,
      }),
    windowSeconds: Seconds.default(60),
    intervalSeconds: Seconds.default(10),
    failWhen: z
      .strictObject({ above: z.number().optional(), below: z.number().optional() })
      .refine((when) => when.above !== undefined || when.below !== undefined, { message: 'give `above`, `below` or both' }),
    /** Breaches tolerated; the next one fails the check. */
    failureLimit: z.number().int().min(0).default(0),
    /** The outcome when no measurement in the window had data. */
    inconclusive: z.enum(['pass', 'fail']).default('fail'),
  })
  .refine((check) => check.intervalSeconds <= check.windowSeconds, {
    message: 'intervalSeconds must not exceed windowSeconds',
    path: ['intervalSeconds'],
  });
export type MetricCheck = z.infer<typeof MetricCheck>;

/** An environment's verification: HTTP checks, then smoke commands, then metric analysis. */
export const Verification = z.strictObject({
  http: z.array(HttpCheck).optional(),
  commands: z.array(CommandCheck).optional(),
  metrics: z.array(MetricCheck).optional(),
});
export type Verification = z.infer<typeof Verification>;
/** `Verification` as written, before defaults are filled in. */
export type VerificationInput = z.input<typeof Verification>;

/** `${name}` placeholders in `query` that are not substitutable. */
function unknownPlaceholders(query: string): string[] {
  return [...query.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !(QUERY_PLACEHOLDERS as readonly string[]).includes(name));
}

/** One instance to check: a base URL (`http://127.0.0.1:8080`), optionally with its ports by name. */
export type Endpoint = string | { readonly url: string; readonly ports?: Readonly<Record<string, number>> };

/** The release being verified, and where its instances answer. */
export interface VerificationTarget {
  readonly service: string;
  readonly environment: string;
  readonly release: string;
  readonly endpoints: readonly Endpoint[];
}

export type CheckKind = 'http' | 'command' | 'metric';
/** `skipped`: not run, or stopped before it decided, because another check had already failed. */
export type CheckOutcome = 'passed' | 'failed' | 'skipped';

/** One evaluation of a metric query. */
export interface Measurement {
  /** Clock time of the measurement, ms since the epoch. */
  readonly at: number;
  /** The value compared with the threshold; `null` when there was no data or the query failed. */
  readonly value: number | null;
  readonly breached: boolean;
  /** Why there is no value, or which series the value belongs to when the query returned several. */
  readonly note?: string;
}

/** The outcome of one check, with a message that reads on its own. */
export interface CheckResult {
  readonly name: string;
  readonly kind: CheckKind;
  readonly outcome: CheckOutcome;
  /** `outcome === 'passed'`. */
  readonly passed: boolean;
  readonly message: string;
  readonly measurements?: readonly Measurement[];
}

/** Verification passed when every check did. */
export interface VerificationResult {
  readonly passed: boolean;
  readonly checks: readonly CheckResult[];
}
