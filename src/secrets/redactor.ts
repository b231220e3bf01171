/**
 * Hiding secret values in text that leaves Slipway: logs, events, error messages, API answers.
 */

/** What a hidden value is replaced with. */
export const REDACTED = '***';

/**
 * Replaces every known secret value with `***`, also where it appears URL-encoded or JSON-escaped.
 * Longer values are replaced first, so a value containing another is hidden whole. Every
 * non-empty value is hidden, however short: a leak is worse than over-redaction.
 */
export class Redactor {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    this.add(...values);
  }

  /** Adds values to hide from now on. Returns this redactor. */
  add(...values: string[]): this {
    for (const value of values) {
      for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
        if (form !== '' && !this.#values.has(form)) {
          this.#values.add(form);
          this.#pattern = undefined;
        }
      }
    }
    return this;
  }

  /** `text` with every known value replaced by `***`. */
  redact(text: string): string {
    if (this.#values.size === 0) return text;
    this.#pattern ??= new RegExp([...this.#values].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    return text.replace(this.#pattern, REDACTED);
  }

  /** A copy of JSON-like `value` (strings, arrays, plain objects) with every string, keys included, redacted. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactValue(item)) as T;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.redact(key), this.redactValue(item)])) as T;
    }
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
