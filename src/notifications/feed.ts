/**
 * Follows the event log and hands every new event to the notifier, in order. A process that was
 * down catches up from the last event it delivered, so nothing that matched a hook is missed.
 */
import type { SlipwayEvent } from '../store/index.js';
import type { Notifier } from './deliver.js';

export interface EventSource {
  listEvents(filter: { afterSeq?: number; limit?: number }): Promise<SlipwayEvent[]>;
}

/** Polls `source` every `intervalMs` (default 500) for events after `afterSeq`; `stop()` waits for the poll in flight and the deliveries under way. */
export function startEventFeed(source: EventSource, notifier: Notifier, options: { afterSeq: number; intervalMs?: number; onError?: (error: unknown) => void }): { stop(): Promise<void> } {
  const { intervalMs = 500, onError = () => {} } = options;
  let cursor = options.afterSeq;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let poll: Promise<void> = Promise.resolve();
  const tick = () => {
    poll = source
      .listEvents({ afterSeq: cursor, limit: 500 })
      .then((events) => {
        for (const event of events) {
          notifier.notify(event);
          cursor = event.seq;
        }
      }, onError)
      .then(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await poll;
      await notifier.flush();
    },
  };
}
