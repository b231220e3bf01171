/**
 * What an inbound webhook tells Slipway, whichever host sent it, and the shape each host's reader
 * has. Pure: no I/O.
 */
import type { z } from 'zod';
import { SlipwayError } from '../errors.js';

/** A push of a branch or a tag to a repository, as the host told it. */
export interface Push {
  /** `owner/name` on GitHub, `group/…/name` on GitLab. */
  readonly repository: string;
  /** The full ref: `refs/heads/main`, `refs/tags/v1.2.0`. */
  readonly ref: string;
  /** Set when `ref` is a branch. */
  readonly branch?: string;
  /** Set when `ref` is a tag. */
  readonly tag?: string;
  /** The commit the ref names after the push; all zeros when the push deleted the ref. */
  readonly sha: string;
  readonly deleted: boolean;
  /** The host's user name of whoever pushed. */
  readonly pusher: string;
}

/** What a verified delivery tells: a push, or something Slipway does not act on, and why. */
export type Reading = { readonly kind: 'push'; readonly push: Push } | { readonly kind: 'ignored'; readonly reason: string };

/** The fields of a delivery that its headers fill. */
export type DeliveryField = 'event' | 'delivery' | 'proof';

/** One host's webhooks: the headers it sends, how it proves that it holds the shared secret, how its payloads read. */
export interface Provider {
  /** As people write it: `GitHub`. */
  readonly title: string;
  /** Request header → the field it fills. When two fill one field and both are sent, the later one wins. */
  readonly headers: Readonly<Record<string, DeliveryField>>;
  /** `hmac-sha256`: the proof is `sha256=` and the hex HMAC-SHA256 of the body under the secret. `token`: the proof is the secret itself. */
  readonly proof: 'hmac-sha256' | 'token';
  /** What a verified payload of kind `event` tells. Throws `invalid-request` when a push payload lacks a field it needs. */
  read(event: string, payload: unknown): Reading;
}

/** A push from the host's fields: `branch` or `tag` from the ref, `deleted` from an all-zero sha unless the host says. */
export function pushOf(fields: { repository: string; ref: string; sha: string; pusher: string; deleted?: boolean }): Push {
  const { repository, ref, sha, pusher } = fields;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  return { repository, ref, ...(branch && { branch }), ...(tag && { tag }), sha, deleted: fields.deleted ?? /^0+$/.test(sha), pusher };
}

/** A push in words: "ann pushed tag v1.2.0 of acme/shop at 9f2c3e1". */
export function describePush(push: Push): string {
  const what = push.tag !== undefined ? `tag ${push.tag}` : push.branch !== undefined ? `branch ${push.branch}` : push.ref;
  return push.deleted ? `${push.pusher} deleted ${what} of ${push.repository}` : `${push.pusher} pushed ${what} of ${push.repository} at ${push.sha.slice(0, 7)}`;
}

/** `payload` as `schema` reads it; `invalid-request` naming the fields that are missing or wrong, never their values. */
export function checkPayload<S extends z.ZodType>(schema: S, payload: unknown, what: string): z.output<S> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || 'the payload itself'))];
  throw new SlipwayError('invalid-request', `the ${what} payload is not as expected: ${fields.join(', ')} missing, of the wrong type or not printable`);
}
