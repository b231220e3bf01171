/**
 * Inbound webhooks for a workspace: the shared secret from its secret store, verified pushes
 * recorded in its audit log and handed to the build trigger, which queues a build for each service
 * whose source and tag patterns the push matches.
 */
import { checkProof, describePush, PROVIDERS, readDelivery, webhookSecretName } from '../webhooks/index.js';
import type { DeliveryHead, InboundDelivery, Push, WebhookProvider } from '../webhooks/index.js';
import type { Build } from '../store/index.js';
import { secretStore } from './materials.js';
import type { Workspace } from './workspace.js';

/** The type of the audit event that records a push. */
export const WEBHOOK_EVENT = 'webhook.received';

/** How many of the newest recorded deliveries a delivery id is looked for in. */
const REMEMBERED_DELIVERIES = 1000;

/**
 * `recorded`: a push, now in the audit log. `duplicate`: a push whose delivery id was recorded
 * before; not recorded again. `ignored`: not a push (a ping, another event); nothing recorded.
 */
export type WebhookResult = 'recorded' | 'duplicate' | 'ignored';

/** The answer to a verified delivery. Never holds the secret or the proof. */
export interface WebhookReceipt {
  readonly result: WebhookResult;
  readonly provider: WebhookProvider;
  readonly event: string;
  readonly delivery: string | null;
  /** Absent when `ignored`. */
  readonly push?: Push;
  /** The audit event's `seq`; only when `recorded`. */
  readonly eventSeq?: number;
  /** The builds the push queued (or found standing for its commit); only when `recorded`. */
  readonly builds?: readonly { readonly id: string; readonly service: string; readonly ref: string; readonly status: string }[];
  /** What happened, in words, for whoever reads the host's delivery log. */
  readonly message: string;
}

/** Queues the builds a verified push asks for (`BuildDriver.fromPush`). */
export type BuildTrigger = (provider: WebhookProvider, push: Push) => Promise<readonly Build[]>;

/** A delivery whose body is read only once its headers pass `checkProof`. */
export interface WebhookRequest extends DeliveryHead {
  /** Reads the body; throws `too-large` beyond `WEBHOOK_BODY_LIMIT`. */
  readonly readBody: () => Promise<Uint8Array>;
}

/**
 * Verifies a delivery against the secret `webhook-<provider>` and records a push as a
 * `webhook.received` event, once per delivery id (among the newest 1,000 recorded; a delivery
 * without an id is recorded each time). The body is read only after the headers' proof passed
 * `checkProof`. Throws what `readDelivery` throws, having recorded nothing. Two copies of one
 * delivery at once may both be recorded: callers serialise.
 */
export async function receiveWebhook(ws: Workspace, request: WebhookRequest, trigger: BuildTrigger): Promise<WebhookReceipt> {
  const { readBody, ...head } = request;
  const secret = await secretStore(ws).get(webhookSecretName(head.provider));
  checkProof(head, secret);
  const delivery: InboundDelivery = { ...head, body: await readBody() };
  const reading = readDelivery(delivery, secret);
  const { provider } = delivery;
  const receipt = { provider, event: delivery.event!, delivery: delivery.delivery ?? null }; // readDelivery throws when the event is not named
  if (reading.kind === 'ignored') return { ...receipt, result: 'ignored', message: `ignored, nothing recorded: ${reading.reason}` };
  const { push } = reading;
  if (receipt.delivery !== null && (await recordedBefore(ws, provider, receipt.delivery))) {
    return { ...receipt, result: 'duplicate', push, message: `delivery ${receipt.delivery} was recorded before; not recorded again` };
  }
  const event = await ws.store.appendEvent({
    type: WEBHOOK_EVENT,
    actor: `${provider}:${push.pusher}`,
    message: `${PROVIDERS[provider].title}: ${describePush(push)}`,
    data: { ...receipt, ...push },
  });
  const builds = (await trigger(provider, push)).map(({ id, service, ref, status }) => ({ id, service, ref, status }));
  const built = builds.length ? `builds: ${builds.map((b) => `${b.service} ${b.ref} (${b.id}, ${b.status})`).join(', ')}` : 'no service builds this push (no source with this repository and a matching tag pattern)';
  const message = `recorded as event ${event.seq}: ${describePush(push)}; ${built}`;
  return { ...receipt, result: 'recorded', push, eventSeq: event.seq, builds, message };
}

async function recordedBefore(ws: Workspace, provider: WebhookProvider, delivery: string): Promise<boolean> {
  const recent = await ws.store.listEvents({ type: WEBHOOK_EVENT, last: REMEMBERED_DELIVERIES });
  return recent.some((event) => event.data.provider === provider && event.data.delivery === delivery);
}
