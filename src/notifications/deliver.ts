/**
 * The notifier: sends each event to the hooks that want it, signed, retried with backoff, every
 * attempt recorded. Callers fire and forget; `flush` waits for what is under way.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../errors.js';
import { Redactor } from '../secrets/index.js';
import type { SlipwayEvent } from '../store/types.js';
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
import { renderBody } from './body.js';
import { systemClock, type Clock } from './clock.js';
import { isFinal, type DeliveryAttempt, type DeliveryLog, type DeliveryOutcome } from './delivery-log.js';
import { hookMatches } from './match.js';
import { isRetryableStatus, post, type PostResult } from './post.js';
import type { NotificationHook } from './schema.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature.js';

export interface NotifierOptions {
  readonly hooks: readonly NotificationHook[];
  /**
   * Turns a hook's `secret` (a literal, or a `secret:<name>` reference) into the signing key.
   * Called once per delivery, so a rotated secret takes effect on the next event. A rejection
   * fails that delivery (recorded, not retried); its message must not contain the value.
   */
  readonly resolveSecret: (secret: string) => Promise<string>;
  readonly log: DeliveryLog;
  /** Default the system clock. Backoff waits and recorded times go through it. */
  readonly clock?: Clock;
  /** Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Attempts per delivery, the first included; default 5. */
  readonly maxAttempts?: number;
  /** Default 1 s doubling, capped at 60 s. */
  readonly backoff?: Backoff;
  /** How long one attempt waits for an answer, in real time; default 10 000. */
  readonly timeoutMs?: number;
  /** Delivery ids; default random UUIDs. */
  readonly newId?: () => string;
  /** Told when the delivery log fails to record (delivery goes on); default a process warning. */
  readonly onError?: (error: unknown) => void;
}

export interface Notifier {
  /**
   * Starts delivering `event` to every matching hook and returns at once. Never throws and never
   * blocks the caller: outcomes are in the delivery log.
   */
  notify(event: SlipwayEvent): void;
  /** Resolves when every delivery started so far (and any started meanwhile) is final. */
  flush(): Promise<void>;
}

/** A notifier for `hooks`. Throws `RangeError` for a `maxAttempts` below 1. */
export function createNotifier(options: NotifierOptions): Notifier {
  const { hooks, resolveSecret, log, clock = systemClock, fetch: fetchImpl = fetch, maxAttempts = 5 } = options;
  const { backoff = DEFAULT_BACKOFF, timeoutMs = 10_000, newId = randomUUID } = options;
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(`notification delivery: ${errorMessage(error)}`));
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a whole number ≥ 1, not ${maxAttempts}`);
  const inFlight = new Set<Promise<void>>();

  async function deliver(hook: NotificationHook, event: SlipwayEvent): Promise<void> {
    const deliveryId = newId();
    const body = renderBody(hook.format, event);
    const redactor = new Redactor(hook.secret === undefined ? [] : [hook.secret]);
    const record = async (attempt: number, outcome: DeliveryOutcome, result: PostResult): Promise<void> => {
      const error = result.error === null ? null : redactor.redact(result.error);
      const entry: DeliveryAttempt = {
        deliveryId,
        hook: hook.name,
        eventSeq: event.seq,
        eventType: event.type,
        attempt,
        outcome,
        statusCode: result.statusCode,
        error,
        at: clock.now(),
      };
      try {
        await log.record(entry);
      } catch (logError) {
        onError(logError);
      }
    };

    let key: string | undefined;
    try {
      key = hook.secret === undefined ? undefined : await resolveSecret(hook.secret);
    } catch (error) {
      return record(1, 'failed', { statusCode: null, error: `the signing secret could not be resolved: ${errorMessage(error)}` });
    }
    if (key !== undefined) redactor.add(key);

    for (let attempt = 1; ; attempt++) {
      const result = await post(fetchImpl, hook.url, body, headersFor(event, deliveryId, body, clock.now(), key), timeoutMs);
      const outcome = outcomeOf(result.statusCode, attempt, maxAttempts);
      await record(attempt, outcome, result);
      if (isFinal(outcome)) return;
      await clock.sleep(backoffDelay(attempt, backoff));
    }
  }

  return {
    notify(event) {
      for (const hook of hooks) {
        if (!hookMatches(hook, event)) continue;
        const delivery = deliver(hook, event).catch(onError);
        inFlight.add(delivery);
        void delivery.finally(() => inFlight.delete(delivery));
      }
    },
    async flush() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}

function outcomeOf(statusCode: number | null, attempt: number, maxAttempts: number): DeliveryOutcome {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return 'delivered';
  if (!isRetryableStatus(statusCode)) return 'failed';
  return attempt < maxAttempts ? 'will-retry' : 'gave-up';
}

/** Headers of one attempt; signed afresh each time, since the timestamp is part of the signature. */
function headersFor(event: SlipwayEvent, deliveryId: string, body: string, now: Date, key: string | undefined): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Slipway',
    [EVENT_HEADER]: event.type,
    [DELIVERY_HEADER]: deliveryId,
    [TIMESTAMP_HEADER]: String(timestamp),
  };
  if (key !== undefined) headers[SIGNATURE_HEADER] = signBody(body, timestamp, key);
  return headers;
}
