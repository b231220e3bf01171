/**
 * Which hooks an event goes to. Pure.
 */
import type { SlipwayEvent } from '../store/types.js';
import { ALL_EVENTS } from './schema.js';

/** The part of a `NotificationHook` that chooses events. */
export interface HookFilter {
  readonly events: readonly string[];
  readonly environments?: readonly string[] | undefined;
  readonly services?: readonly string[] | undefined;
}

/**
 * True when the hook subscribes to the event's type (or to `*`) and, where the hook lists
 * environments or services, the event names one of them. An event without an environment (or
 * service) passes only hooks that do not filter on it.
 */
export function hookMatches(hook: HookFilter, event: Pick<SlipwayEvent, 'type' | 'environment' | 'service'>): boolean {
  const subscribed = hook.events.some((type) => type === ALL_EVENTS || type === event.type);
  return subscribed && within(hook.environments, event.environment) && within(hook.services, event.service);
}

function within(allowed: readonly string[] | undefined, value: string | null): boolean {
  return allowed === undefined || (value !== null && allowed.includes(value));
}
