/**
 * What people ask of promotions, by service and environment rather than by id: start one, approve
 * or reject it, override a freeze, pause, resume, cancel, roll back, read the history.
 */
import { NotFoundError, SlipwayError } from '../errors.js';
import type { Release } from '../desired/types.js';
import type { Deployment } from '../store/index.js';
import { deployRelease, type DeployOutcome } from './deploy.js';
import { isSettled, type Promotion, type PromotionDriver } from './promotion/index.js';
import { environmentTargets } from './units.js';
import type { Workspace } from './workspace.js';

export interface PromoteRequest {
  readonly service: string;
  readonly version?: string;
  /** Only this environment; or, when a promotion waits for a go here, that go. */
  readonly environment?: string;
  readonly actor: string;
  /** With `environment`: why the release may enter it before succeeding where it promotes from (admins only; the server checks). */
  readonly orderOverride?: string;
}

export interface DecisionRequest {
  readonly service: string;
  readonly environment: string;
  readonly actor: string;
  readonly groups: readonly string[];
  readonly approved: boolean;
  readonly comment?: string;
}

export interface History {
  readonly promotions: readonly Promotion[];
  readonly deployments: readonly Deployment[];
}

/** The newest active promotion of `service` that has not settled in `environment` (any, when absent). */
export async function activePromotion(ws: Workspace, service: string, environment?: string): Promise<Promotion> {
  const promotions = await ws.store.listPromotions({ service, active: true });
  const found = promotions.find((p) => !environment || (p.environments[environment] && !isSettled(p.environments[environment]!.phase)));
  if (!found) throw new NotFoundError('active promotion', environment ? `${service} into ${environment}` : service);
  return found;
}

/** Starts a promotion, or gives the go a waiting one needs in `environment`. */
export async function promote(ws: Workspace, driver: PromotionDriver, request: PromoteRequest): Promise<Promotion> {
  const { service, environment, actor } = request;
  if (environment && !request.version) {
    const waiting = (await ws.store.listPromotions({ service, active: true })).find((p) => p.environments[environment]?.phase === 'gated');
    if (waiting) return driver.go(waiting.id, environment, actor);
  }
  return driver.start({ service, version: request.version, actor, ...(environment && { only: environment, orderOverride: request.orderOverride }) });
}

/** Approves or rejects the promotion of `service` waiting at `environment`. */
export async function decide(ws: Workspace, driver: PromotionDriver, request: DecisionRequest): Promise<Promotion> {
  const promotion = await activePromotion(ws, request.service, request.environment);
  return driver.decide(promotion.id, request.environment, request);
}

/** Rolls `service` in `environment` back to the release that ran there before the current one. */
export async function rollback(ws: Workspace, request: { service: string; environment: string; actor: string }): Promise<DeployOutcome> {
  const { service, environment, actor } = request;
  environmentTargets(ws, environment);
  const previous = await previousRelease(ws, service, environment);
  if (!previous) throw new SlipwayError('conflict', `${service} has no earlier release in ${environment} to roll back to`);
  await ws.store.appendEvent({ type: 'rollback.started', actor, service, environment, message: `${actor} is rolling ${service} in ${environment} back to ${previous.version}`, data: { release: previous.id } });
  const outcome = await deployRelease(ws, { service, environment, actor, release: previous });
  const done = outcome.result === 'failed' ? 'rollback.failed' : 'rollback.completed';
  await ws.store.appendEvent({ type: done, actor, service, environment, message: outcome.message, data: { release: previous.id } });
  return outcome;
}

/** The release that succeeded in `environment` before the newest successful one; undefined when none did. */
export async function previousRelease(ws: Workspace, service: string, environment: string): Promise<Release | undefined> {
  const succeeded = (await ws.store.listDeployments({ service, environment })).filter((d) => d.status === 'succeeded');
  const previousId = succeeded.find((d) => d.releaseId !== succeeded[0]?.releaseId)?.releaseId;
  return previousId ? ws.store.getRelease(previousId) : undefined;
}

/** Promotions and deployments of a service, newest first. */
export async function history(ws: Workspace, service: string): Promise<History> {
  if (!ws.project.spec.services[service]) throw new NotFoundError('service', service);
  return { promotions: await ws.store.listPromotions({ service, limit: 20 }), deployments: await ws.store.listDeployments({ service, limit: 50 }) };
}
