/**
 * The `notifications:` section of the project file: outgoing webhooks on deployment events.
 * Strict like every input schema: an unknown key is an error, never silently dropped.
 */
import { z } from 'zod';
import { Name } from '../inputs/name.js';

/** The event types a hook can subscribe to, by name. `*` subscribes to every event. */
export const NOTIFIABLE_EVENTS = [
  'deployment.started',
  'deployment.succeeded',
  'deployment.failed',
  'promotion.waiting-approval',
  'promotion.advanced',
  'promotion.completed',
  'verification.passed',
  'verification.failed',
  'rollback.started',
  'rollback.completed',
  'rollback.failed',
] as const;
export type NotifiableEvent = (typeof NOTIFIABLE_EVENTS)[number];

/** Every event, whatever its type. */
export const ALL_EVENTS = '*' as const;

/** How a hook's body is written: Slipway's own JSON, or a Slack incoming-webhook message. */
export const HookFormat = z.enum(['json', 'slack']);
export type HookFormat = z.infer<typeof HookFormat>;

/** One outgoing webhook. */
export const NotificationHook = z.strictObject({
  name: Name,
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  format: HookFormat.default('json'),
  /** Event types to send; `['*']` sends every event. */
  events: z.array(z.enum([...NOTIFIABLE_EVENTS, ALL_EVENTS])).min(1),
  /**
   * HMAC-SHA256 signing key, usually a `secret:<name>` reference that the caller resolves.
   * Absent: deliveries are unsigned.
   */
  secret: z.string().min(1).optional(),
  /** Only events of these environments; absent: any environment, and events without one. */
  environments: z.array(Name).min(1).optional(),
  /** Only events of these services; absent: any service, and events without one. */
  services: z.array(Name).min(1).optional(),
});
export type NotificationHook = z.infer<typeof NotificationHook>;

/** The whole `notifications:` list. Hook names are unique (deliveries are recorded by name). */
export const Notifications = z.array(NotificationHook).superRefine((hooks, ctx) => {
  const seen = new Set<string>();
  hooks.forEach((hook, index) => {
    if (seen.has(hook.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `a second hook named "${hook.name}"` });
    seen.add(hook.name);
  });
});
export type Notifications = z.infer<typeof Notifications>;
