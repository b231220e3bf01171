/**
 * Who is asking, from a request's headers: a bearer token on the HTTP API, or the local user on
 * the control socket (whom the socket's file mode already lets in as the workspace's owner).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Label } from '../inputs/name.js';
import type { TokenStore } from '../store/token-store.js';
import { UnauthenticatedError, type Principal } from './access.js';

/** The caller named by the headers; undefined when they name none. Throws `UnauthenticatedError` for a bad credential. */
export type Identify = (headers: IncomingHttpHeaders) => Promise<Principal | undefined>;

/** Headers by which the control client names the local user, who acts as admin on the socket. */
export const ACTOR_HEADER = 'x-slipway-actor';
export const GROUPS_HEADER = 'x-slipway-groups';

/** `Authorization: Bearer slw_…`, looked up (by hash) in the token store. */
export function bearerIdentity(tokens: TokenStore): Identify {
  return async (headers) => {
    const header = headers.authorization;
    if (header === undefined) return undefined;
    const secret = /^Bearer +(\S+)$/i.exec(header)?.[1];
    if (!secret) throw new UnauthenticatedError('the Authorization header must read "Bearer slw_…"');
    const token = await tokens.authenticate(secret);
    if (!token) throw new UnauthenticatedError('this API token is unknown or has been revoked');
    return { name: token.name, role: token.role, environments: token.environments, groups: token.groups };
  };
}

/**
 * The local user on the control socket: named by `x-slipway-actor`, with the groups of
 * `x-slipway-groups`, as admin. Throws `UnauthenticatedError` when they are not printable names (`Label`).
 */
export const localUserIdentity: Identify = async (headers) => {
  const name = decoded(single(headers[ACTOR_HEADER]) ?? 'local');
  const groups = decoded(single(headers[GROUPS_HEADER]) ?? '').split(',').filter(Boolean);
  if (![name, ...groups].every((label) => Label.safeParse(label).success)) {
    throw new UnauthenticatedError(`${ACTOR_HEADER} and ${GROUPS_HEADER} must name an actor and groups in printable characters`);
  }
  return { name, role: 'admin', environments: [], groups };
};

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new UnauthenticatedError(`${ACTOR_HEADER} and ${GROUPS_HEADER} must be URI-encoded`);
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
