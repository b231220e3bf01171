/**
 * Who may call a route: the caller (a `Principal`) against the route's `Access`. Pure: no I/O.
 * Reads are open to every caller with a token (to anonymous callers only when the operator says
 * so); writes need one of the route's roles, and a token scoped to environments acts only there.
 */
import { SlipwayError } from '../errors.js';
import type { Role } from '../store/token-store.js';

/** The caller of a request: a token's holder, or the local user on the control socket. */
export interface Principal {
  /** Recorded as the actor of every event the request causes. */
  readonly name: string;
  readonly role: Role;
  /** Environments a deployer or approver may act in; empty means every one. */
  readonly environments: readonly string[];
  /** Groups its approvals count for. */
  readonly groups: readonly string[];
}

/**
 * `public`: anyone, without a token (health, metrics). `read`: any token, or anonymous callers
 * when reads are open. `act`: the listed roles (admin always); `environment` names the
 * environment a request acts in, `undefined` meaning all of them, for scoped tokens to be checked.
 */
export type Access<I> =
  | { readonly kind: 'public' }
  | { readonly kind: 'read' }
  | { readonly kind: 'act'; readonly roles: readonly Role[]; environment?(input: I): string | undefined };

/** The caller failed to say who it is. HTTP 401. */
export class UnauthenticatedError extends SlipwayError {
  override readonly name = 'UnauthenticatedError';
  constructor(message: string) {
    super('unauthenticated', message);
  }
}

/** The caller is known but may not do this. HTTP 403. */
export class ForbiddenError extends SlipwayError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('forbidden', message);
  }
}

const NEEDS_TOKEN = 'this needs an API token: send "Authorization: Bearer slw_…" (create one with slipway token create)';

/** Throws `UnauthenticatedError` when the route needs a caller and there is none. */
export function requireCaller<I>(access: Access<I>, principal: Principal | undefined, anonymousReads: boolean): void {
  if (principal || access.kind === 'public' || (access.kind === 'read' && anonymousReads)) return;
  throw new UnauthenticatedError(NEEDS_TOKEN);
}

/** Throws `ForbiddenError` when the caller's role may not call the route at all (before the input is read). */
export function requireRole<I>(access: Access<I>, principal: Principal | undefined, action: string): void {
  if (access.kind !== 'act') return;
  if (!principal) throw new UnauthenticatedError(NEEDS_TOKEN);
  if (principal.role === 'admin' || access.roles.includes(principal.role)) return;
  const wanted = [...access.roles, 'admin'].join(' or ');
  throw new ForbiddenError(`${principal.name} has the ${principal.role} role; ${action} needs ${wanted}`);
}

/** Throws `ForbiddenError` when a token scoped to environments would act outside them. */
export function requireScope<I>(access: Access<I>, principal: Principal | undefined, input: I, action: string): void {
  if (access.kind !== 'act' || !access.environment || !principal || principal.role === 'admin' || principal.environments.length === 0) return;
  const environment = access.environment(input);
  const scope = principal.environments.join(', ');
  if (environment === undefined) throw new ForbiddenError(`${principal.name} may act only in ${scope}; name the environment to ${action} in`);
  if (!principal.environments.includes(environment)) throw new ForbiddenError(`${principal.name} may act only in ${scope}, not in ${environment}`);
}

/** Why the caller may not act through `access` on `input`, in words; undefined when they may. */
export function denial<I>(access: Access<I>, principal: Principal | undefined, input: I, action: string): string | undefined {
  try {
    requireRole(access, principal, action);
    requireScope(access, principal, input, action);
    return undefined;
  } catch (error) {
    if (error instanceof UnauthenticatedError) return 'sign in with an API token to act';
    if (error instanceof ForbiddenError) return error.message;
    throw error;
  }
}
