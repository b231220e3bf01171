/**
 * Notifications: outgoing webhooks on deployment events, as generic JSON or Slack messages,
 * signed with HMAC-SHA256, retried with backoff, every attempt recorded in a `DeliveryLog`.
 */
export { NotificationHook, Notifications, HookFormat, NOTIFIABLE_EVENTS, ALL_EVENTS, type NotifiableEvent } from './schema.js';
export { createNotifier, type Notifier, type NotifierOptions } from './deliver.js';
export { hookMatches, type HookFilter } from './match.js';
export { renderBody, describeEvent, type JsonBody, type SlackBody } from './body.js';
export {
  verifySignature,
  signBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  EVENT_HEADER,
  DELIVERY_HEADER,
  type ReceivedHeaders,
  type VerifyOptions,
} from './signature.js';
export { MemoryDeliveryLog, isFinal, type DeliveryLog, type DeliveryAttempt, type DeliveryOutcome } from './delivery-log.js';
export { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
export { systemClock, type Clock } from './clock.js';
export { startEventFeed, type EventSource } from './feed.js';
