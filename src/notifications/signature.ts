/**
 * Signing deliveries, and checking a signature the way a receiver should.
 *
 * The scheme, for receivers:
 *
 * - `X-Slipway-Timestamp` is the send time in whole Unix seconds, decimal.
 * - `X-Slipway-Signature` is `sha256=` followed by the lower-case hex HMAC-SHA256, keyed with the
 *   hook's secret (its UTF-8 bytes), of the timestamp, a `.`, and the exact request body bytes:
 *   `HMAC(secret, "<timestamp>." + body)`.
 * - To verify: recompute over the raw body as received (before any JSON parsing), compare in
 *   constant time, and reject a timestamp far from your clock (5 minutes by default), so a
 *   captured request cannot be replayed later. `X-Slipway-Delivery` is the same across retries of
 *   one delivery, so a receiver can also drop duplicates.
 *
 * Unsigned deliveries (a hook without `secret`) carry no `X-Slipway-Signature`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-slipway-signature';
export const TIMESTAMP_HEADER = 'x-slipway-timestamp';
export const EVENT_HEADER = 'x-slipway-event';
export const DELIVERY_HEADER = 'x-slipway-delivery';

const PREFIX = 'sha256=';

/** The `X-Slipway-Signature` value for `body` sent at `timestamp` (Unix seconds). */
export function signBody(body: string | Uint8Array, timestamp: number, secret: string): string {
  return PREFIX + mac(body, String(timestamp), secret).toString('hex');
}

/** Headers as node's `IncomingMessage.headers` has them: lower-case names. */
export type ReceivedHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface VerifyOptions {
  /** The receiver's clock; default the system clock. */
  readonly now?: Date;
  /** How far the timestamp may be from `now`; default 300 000 (5 minutes). */
  readonly toleranceMs?: number;
}

/**
 * True when `headers` carry a timestamp within tolerance of `now` and a valid signature of
 * `body` (the raw bytes received) under `secret`. False, never a throw, for anything missing or
 * malformed.
 */
export function verifySignature(body: string | Uint8Array, headers: ReceivedHeaders, secret: string, options: VerifyOptions = {}): boolean {
  const { now = new Date(), toleranceMs = 300_000 } = options;
  const signature = headers[SIGNATURE_HEADER];
  const timestamp = headers[TIMESTAMP_HEADER];
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  if (!/^\d{1,15}$/.test(timestamp) || Math.abs(now.getTime() - Number(timestamp) * 1000) > toleranceMs) return false;
  if (!signature.startsWith(PREFIX) || !/^[0-9a-f]{64}$/.test(signature.slice(PREFIX.length))) return false;
  return timingSafeEqual(Buffer.from(signature.slice(PREFIX.length), 'hex'), mac(body, timestamp, secret));
}

function mac(body: string | Uint8Array, timestamp: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}
