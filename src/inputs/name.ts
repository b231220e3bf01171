/**
 * The rules for every name and version Slipway accepts, one per kind, used at every entrance: the
 * project file's schema, the API's routes, the CLI before it calls anything, the release cutter,
 * webhooks. A module of its own, importing only zod, the errors and terminal-text, so any schema can use it.
 */
import { z } from 'zod';
import { SlipwayError } from '../errors.js';
import { terminalSafe } from '../terminal-text.js';

/** Lower-case DNS-label style names: services, environments, targets, ports. */
export const Name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a name of lower-case letters, digits and "-", starting with a letter');

/**
 * A release version: a git tag or a semantic version (`v1`, `v1.4.0`, `1.2.3-rc.1+build.5`,
 * `2026-12-05`). The characters of a container image tag plus semver's `+`, at most 128, not
 * starting with `.`, `-` or `+`: a version is safe as a file name, a label, a URL path segment
 * and a shell word, and cannot be read as an option.
 */
export const Version = z
  .string()
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/,
    'a version such as v1, 1.4.0 or 1.2.3-rc.1+build.5: up to 128 letters, digits, ".", "_", "+" and "-"',
  );

/** A secret's name, as `secret:<name>` references use it. */
export const SecretName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'up to 128 letters, digits, ".", "_" and "-", starting with a letter or digit');

/** An API token's name: its holder acts under it, so it is recorded as the actor of what it does. */
export const TokenName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/, '1 to 100 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');

/**
 * Names people choose freely and Slipway records and prints: actors (SLIPWAY_ACTOR, the user's
 * name), approval groups, what webhooks name. 1 to 200 printable characters: no
 * control, format (bidirectional overrides among them) or line-separator characters.
 */
export const Label = z.string().regex(/^[^\p{C}\p{Zl}\p{Zp}]{1,200}$/u, '1 to 200 printable characters');

/** An audit event's type: `deployment.succeeded`, `access.denied`. */
export const EventType = z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/, 'an event type such as access.denied');

/**
 * What a person writes to explain an act (an approval's comment, a reason to pause or override):
 * up to 2,000 characters, lines and tabs allowed, no other control or format characters.
 */
export const Note = z
  .string()
  .max(2000)
  .regex(/^(?:[^\p{C}]|[\n\t])*$/u, 'text without control characters other than newlines and tabs');

/** A name or version that breaks its rule was refused. Nothing was changed. */
export class InvalidNameError extends SlipwayError {
  override readonly name = 'InvalidNameError';
  constructor(
    readonly kind: string,
    readonly value: string,
    expected: string,
  ) {
    super('invalid-name', `${shown(value)} is not a valid ${kind}: expected ${expected}`);
  }
}

/** `value` when `rule` accepts it; throws `InvalidNameError` naming the `kind` of name otherwise. */
export function checkName(rule: z.ZodString, kind: string, value: string): string {
  const result = rule.safeParse(value);
  if (!result.success) throw new InvalidNameError(kind, value, result.error.issues[0]?.message ?? 'a valid value');
  return value;
}

/** The value quoted, control and bidirectional characters escaped, cut short when long. */
function shown(value: string): string {
  return terminalSafe(JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value));
}
