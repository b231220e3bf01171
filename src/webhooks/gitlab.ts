/**
 * GitLab's webhooks: push and tag push events, from project, group or system hooks, are read;
 * every other event is ignored. GitLab sends the hook's secret token itself (`X-Gitlab-Token`).
 * A delivery is named by `Idempotency-Key` (GitLab 17.4 and later; the same on every retry), or
 * else by `X-Gitlab-Event-UUID`.
 */
import { z } from 'zod';
import { Label } from '../inputs/name.js';
import { checkPayload, pushOf, type Provider } from './push.js';

/** `X-Gitlab-Event` values that can carry a push; a system hook says which event in the payload. */
const PUSH_HOOKS = ['Push Hook', 'Tag Push Hook', 'System Hook'];
const PUSH_EVENTS = ['push', 'tag_push'];

const EventName = z.object({ event_name: z.string().optional(), object_kind: z.string().optional() });

/** The fields of a push or tag push payload that Slipway reads (printable, as it records them); the rest is left alone. */
const PushPayload = z.object({
  ref: Label,
  after: Label,
  /** The commit; for an annotated tag `after` is the tag object instead. Null when the ref was deleted. */
  checkout_sha: Label.nullish(),
  user_username: Label.optional(),
  user_name: Label,
  project: z.object({ path_with_namespace: Label }),
});

export const gitlab: Provider = {
  title: 'GitLab',
  headers: { 'x-gitlab-event': 'event', 'x-gitlab-event-uuid': 'delivery', 'idempotency-key': 'delivery', 'x-gitlab-token': 'proof' },
  proof: 'token',
  read(event, payload) {
    if (!PUSH_HOOKS.includes(event)) return { kind: 'ignored', reason: `Slipway reads Push Hook and Tag Push Hook events, not ${event}` };
    const names = checkPayload(EventName, payload, 'GitLab');
    const name = names.event_name ?? names.object_kind;
    if (name === undefined || !PUSH_EVENTS.includes(name)) return { kind: 'ignored', reason: `Slipway reads push and tag_push events, not ${name ?? 'an event without a name'}` };
    const push = checkPayload(PushPayload, payload, `GitLab ${name}`);
    return {
      kind: 'push',
      push: pushOf({ repository: push.project.path_with_namespace, ref: push.ref, sha: push.checkout_sha ?? push.after, pusher: push.user_username ?? push.user_name }),
    };
  },
};
