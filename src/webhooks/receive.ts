/**
 * Reading one inbound delivery: its proof is checked against the shared secret before a byte of
 * its body is read, then its payload is read by its host's reader. Pure: no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SlipwayError } from '../errors.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import type { DeliveryField, Provider, Reading } from './push.js';

/** The hosts Slipway takes webhooks from, by the name in their route and secret. */
export const PROVIDERS = { github, gitlab } as const satisfies Record<string, Provider>;
export type WebhookProvider = keyof typeof PROVIDERS;

/** A delivery as it arrived: the fields its headers filled (`Provider.headers`) and the exact bytes of its body. */
export interface InboundDelivery {
  readonly provider: WebhookProvider;
  /** The event kind the host names: `push`, `Tag Push Hook`. */
  readonly event?: string;
  /** The host's id of the delivery, the same when it is sent again. */
  readonly delivery?: string;
  /** The signature or token that shows the sender holds the shared secret. */
  readonly proof?: string;
  readonly body: Uint8Array;
}

/** The name, in the secret store, of a host's shared secret: `webhook-github`. */
export function webhookSecretName(provider: WebhookProvider): string {
  return `webhook-${provider}`;
}

/**
 * What a delivery tells, once its proof shows that the sender holds `secret`. Throws, in this
 * order: `unavailable` when `secret` is undefined (not set), saying how to set it;
 * `unauthenticated` when the proof is missing or wrong; `bad-request` when the event kind is not
 * named or the body is not JSON (nor a form whose `payload` field is JSON); `invalid-request`
 * when a push payload lacks a field it needs. No message holds the proof or the secret.
 */
export function readDelivery(delivery: InboundDelivery, secret: string | undefined): Reading {
  const provider = PROVIDERS[delivery.provider];
  const name = webhookSecretName(delivery.provider);
  if (secret === undefined) {
    throw new SlipwayError(
      'unavailable',
      `${provider.title} webhooks are not set up: choose a long random value, store it with \`slipway secret set ${name}\` (the value on standard input), and give the ${provider.title} webhook the same value as its secret`,
    );
  }
  const proofHeader = headerOf(provider, 'proof');
  if (delivery.proof === undefined) throw new SlipwayError('unauthenticated', `the delivery has no ${proofHeader} header: give the ${provider.title} webhook the value of Slipway's secret ${name} as its secret`);
  if (!proves(provider, delivery.proof, delivery.body, secret)) {
    throw new SlipwayError('unauthenticated', `${proofHeader} does not match: the ${provider.title} webhook's secret is not the value of Slipway's secret ${name}`);
  }
  if (delivery.event === undefined) throw new SlipwayError('bad-request', `the delivery names no event in ${headerOf(provider, 'event')}`);
  return provider.read(delivery.event, payloadOf(delivery.body));
}

function proves(provider: Provider, proof: string, body: Uint8Array, secret: string): boolean {
  if (provider.proof === 'token') return sameBytes(Buffer.from(proof), Buffer.from(secret));
  const hex = /^sha256=([0-9a-f]{64})$/i.exec(proof)?.[1];
  return hex !== undefined && sameBytes(Buffer.from(hex, 'hex'), createHmac('sha256', secret).update(body).digest());
}

/** Equal bytes, compared in a time that tells nothing of either (both are hashed to one length first). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The JSON payload: the body, or the `payload` field of a form (GitHub's `application/x-www-form-urlencoded`). */
function payloadOf(body: Uint8Array): unknown {
  const text = Buffer.from(body).toString('utf8');
  const json = text.startsWith('payload=') ? (new URLSearchParams(text).get('payload') ?? '') : text;
  try {
    return JSON.parse(json);
  } catch {
    throw new SlipwayError('bad-request', 'the delivery body is not valid JSON');
  }
}

function headerOf(provider: Provider, field: DeliveryField): string {
  return Object.entries(provider.headers).find(([, filled]) => filled === field)![0];
}
