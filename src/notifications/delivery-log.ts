/**
 * Where delivery attempts are recorded. The store implements `DeliveryLog` for real use;
 * `MemoryDeliveryLog` serves tests.
 */

/**
 * How an attempt ended: `delivered` (2xx), `will-retry` (network error, timeout, 5xx or 429 with
 * attempts left), `failed` (not retried: another status, or the signing secret could not be
 * resolved), `gave-up` (a retryable failure on the last allowed attempt).
 */
export type DeliveryOutcome = 'delivered' | 'will-retry' | 'failed' | 'gave-up';

/** True once a delivery will make no more attempts. */
export function isFinal(outcome: DeliveryOutcome): boolean {
  return outcome !== 'will-retry';
}

/** One attempt to deliver one event to one hook. Never holds a secret or a request body. */
export interface DeliveryAttempt {
  /** Same for every attempt of one delivery; sent as `X-Slipway-Delivery`. */
  readonly deliveryId: string;
  /** The hook's name. */
  readonly hook: string;
  readonly eventSeq: number;
  readonly eventType: string;
  /** 1-based. */
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  /** The receiver's HTTP status; null when no answer came. */
  readonly statusCode: number | null;
  /** Why it did not succeed, secrets redacted; null when it did. */
  readonly error: string | null;
  /** When the attempt ended, by the notifier's clock. */
  readonly at: Date;
}

/** Records delivery attempts. */
export interface DeliveryLog {
  /** Appends one attempt. Append-only: there is no update. */
  record(attempt: DeliveryAttempt): Promise<void>;
}

/** A `DeliveryLog` in memory, for tests: `attempts` in the order they were recorded. */
export class MemoryDeliveryLog implements DeliveryLog {
  readonly attempts: DeliveryAttempt[] = [];

  async record(attempt: DeliveryAttempt): Promise<void> {
    this.attempts.push(attempt);
  }
}
