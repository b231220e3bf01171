/**
 * Reading one inbound delivery: its proof is checked against the shared secret as far as the
 * headers allow before a byte of its body is read (a token whole, a signature's form), then the
 * signature over the body, then its payload is read by its host's reader. Pure: no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SlipwayError } from '../errors.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import type { DeliveryField, Provider, Reading } from './push.js';

/** The hosts Slipway takes webhooks from, by the name in their route and secret. */
export const PROVIDERS = { github, gitlab } as const satisfies Record<string, Provider>;
export type WebhookProvider = keyof typeof PROVIDERS;

/** What a delivery's headers say: the fields of `Provider.headers`. */
export interface DeliveryHead {
  readonly provider: WebhookProvider;
  /** The event kind the host names: `push`, `Tag Push Hook`. */
  readonly event?: string;
  /** The host's id of the delivery, the same when it is sent again. */
  readonly delivery?: string;
  /** The signature or token that shows the sender holds the shared secret. */
  readonly proof?: string;
}

/** A delivery as it arrived: its headers' fields and the exact bytes of its body. */
export interface InboundDelivery extends DeliveryHead {
  readonly body: Uint8Array;
}

/** The largest webhook body read, in bytes: a push of GitHub's (at most 20 commits listed) or GitLab's fits many times over. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

/** The name, in the secret store, of a host's shared secret: `webhook-github`. */
export function webhookSecretName(provider: WebhookProvider): string {
  return `webhook-${provider}`;
}

/**
 * Checks what can be checked before a byte of the body is read. Throws, in this order:
 * `unavailable` when `secret` is not set (undefined or empty), saying how to set it;
 * `unauthenticated` when the proof is missing, not of the host's form, or (a token) wrong.
 * A signature over the body is checked by `readDelivery`. No message holds the proof or the secret.
 */
export function checkProof(head: DeliveryHead, secret: string | undefined): void {
  const provider = PROVIDERS[head.provider];
  const name = webhookSecretName(head.provider);
  if (secret === undefined || secret === '') {
    throw new SlipwayError(
      'unavailable',
      `${provider.title} webhooks are not set up: choose a long random value, store it with \`slipway secret set ${name}\` (the value on standard input), and give the ${provider.title} webhook the same value as its secret`,
    );
  }
  const proofHeader = headerOf(provider, 'proof');
  if (head.proof === undefined) throw new SlipwayError('unauthenticated', `the delivery has no ${proofHeader} header: give the ${provider.title} webhook the value of Slipway's secret ${name} as its secret`);
  const wellFormed = provider.proof === 'token' ? sameBytes(Buffer.from(head.proof), Buffer.from(secret)) : SIGNATURE.test(head.proof);
  if (!wellFormed) throw mismatch(provider, name);
}

/**
 * What a delivery tells, once its proof shows that the sender holds `secret`. Throws what
 * `checkProof` throws, then `unauthenticated` when a signature does not match the body,
 * `bad-request` when the event kind is not named or the body is not JSON (nor a form whose
 * `payload` field is JSON), `invalid-request` when a push payload lacks a field it needs.
 */
export function readDelivery(delivery: InboundDelivery, secret: string | undefined): Reading {
  checkProof(delivery, secret);
  const provider = PROVIDERS[delivery.provider];
  if (!proves(provider, delivery.proof!, delivery.body, secret!)) throw mismatch(provider, webhookSecretName(delivery.provider));
  if (delivery.event === undefined) throw new SlipwayError('bad-request', `the delivery names no event in ${headerOf(provider, 'event')}`);
  return provider.read(delivery.event, payloadOf(delivery.body));
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

function mismatch(provider: Provider, name: string): SlipwayError {
  return new SlipwayError('unauthenticated', `${headerOf(provider, 'proof')} does not match: the ${provider.title} webhook's secret is not the value of Slipway's secret ${name}`);
}

function proves(provider: Provider, proof: string, body: Uint8Array, secret: string): boolean {
  if (provider.proof === 'token') return sameBytes(Buffer.from(proof), Buffer.from(secret));
  const hex = SIGNATURE.exec(proof)?.[1];
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
