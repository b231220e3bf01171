/**
 * Following the audit log: pages of events after a sequence number, and a live feed that polls
 * for new ones. Reads only, through `Operations`, so it works over any transport.
 */
import type { Operations } from '../engine/index.js';
import type { SlipwayEvent } from '../store/index.js';

const PAGE = 500;

/** Every event after `afterSeq` that matches the filter, page by page, oldest first. */
export async function* eventsAfter(ops: Operations, afterSeq: number, filter: { service?: string; environment?: string } = {}): AsyncGenerator<SlipwayEvent> {
  for (let after = afterSeq; ; ) {
    const page = await ops.events({ ...filter, afterSeq: after, limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.seq;
  }
}

/** The sequence number of the newest event, 0 when there is none. One read of one row. */
export async function lastSeq(ops: Operations): Promise<number> {
  return (await ops.events({ last: 1 }))[0]?.seq ?? 0;
}

export interface FeedOptions {
  /** Start after this event; absent: after the newest one now, so only new events come. */
  readonly afterSeq?: number;
  readonly service?: string;
  readonly environment?: string;
  readonly pollMs: number;
  /** Ends the feed. */
  readonly signal: AbortSignal;
  /** Waits between polls; injectable for tests. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** New events as they are appended, polling every `pollMs`, until the signal aborts. Never misses one (seq order is commit order). */
export async function* followEvents(ops: Operations, options: FeedOptions): AsyncGenerator<SlipwayEvent> {
  const sleep = options.sleep ?? abortableSleep;
  let after = options.afterSeq ?? (await lastSeq(ops));
  const filter = { service: options.service, environment: options.environment };
  while (!options.signal.aborted) {
    for await (const event of eventsAfter(ops, after, filter)) {
      yield event;
      after = event.seq;
    }
    await sleep(options.pollMs, options.signal);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
