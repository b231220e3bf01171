/**
 * Content hashes of plain data, used for configuration hashes and release spec hashes.
 */
import { createHash } from 'node:crypto';

/**
 * The SHA-256 of `value`'s canonical JSON, as 64 lower-case hex digits (no `sha256:` prefix:
 * this hashes data, not artifacts). Canonical JSON sorts object keys by code unit and drops
 * `undefined` members, so key order never changes the hash. Dates hash as their ISO string;
 * non-finite numbers as `null`, like `JSON.stringify`. Throws a `TypeError` on cycles, bigints,
 * functions and symbols. Deterministic across processes and machines.
 */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** `value` as JSON with object keys sorted; the input `stableHash` hashes. */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object':
      break;
    default:
      throw new TypeError(`cannot hash a value of type ${typeof value}`);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (ancestors.has(value)) throw new TypeError('cannot hash a value that contains itself');
  ancestors.add(value);
  const json = Array.isArray(value)
    ? `[${value.map((item) => (item === undefined ? 'null' : encode(item, ancestors))).join(',')}]`
    : `{${Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${encode((value as Record<string, unknown>)[key], ancestors)}`)
        .join(',')}}`;
  ancestors.delete(value);
  return json;
}
