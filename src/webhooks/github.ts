/**
 * GitHub's webhooks: `push` (branches and tags) is read; `ping`, sent when a hook is created, and
 * every other event are ignored. GitHub signs each delivery (`X-Hub-Signature-256`) and names it
 * with `X-GitHub-Delivery`, which a redelivery keeps.
 */
import { z } from 'zod';
import { Label } from '../inputs/name.js';
import { checkPayload, pushOf, type Provider } from './push.js';

/** The fields of a push payload that Slipway reads (printable, as it records them); the rest is left alone. */
const PushPayload = z.object({
  ref: Label,
  after: Label,
  deleted: z.boolean().optional(),
  /** The commit; for an annotated tag `after` is the tag object instead. Null when the ref was deleted. */
  head_commit: z.object({ id: Label }).nullish(),
  repository: z.object({ full_name: Label }),
  pusher: z.object({ name: Label }),
  sender: z.object({ login: Label }).optional(),
});

export const github: Provider = {
  title: 'GitHub',
  headers: { 'x-github-event': 'event', 'x-github-delivery': 'delivery', 'x-hub-signature-256': 'proof' },
  proof: 'hmac-sha256',
  read(event, payload) {
    if (event === 'ping') return { kind: 'ignored', reason: "GitHub's ping: the webhook reaches Slipway and its secret matches" };
    if (event !== 'push') return { kind: 'ignored', reason: `Slipway reads push events, not ${event}` };
    const push = checkPayload(PushPayload, payload, 'GitHub push');
    return {
      kind: 'push',
      push: pushOf({ repository: push.repository.full_name, ref: push.ref, sha: push.head_commit?.id ?? push.after, deleted: push.deleted, pusher: push.sender?.login ?? push.pusher.name }),
    };
  },
};
