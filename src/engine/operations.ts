/**
 * Everything a person can ask of Slipway, as one interface. The CLI calls it; it is served by a
 * workspace opened in this process (`LocalOperations`) or by the process that has it open, over
 * its control socket (`server/control-client.ts`). Answers are plain JSON-safe data either way.
 */
import type { LogLine } from '../runtimes/index.js';
import type { Plan } from '../planner/index.js';
import type { SlipwayEvent } from '../store/index.js';
import type { Release, UnitKey } from '../desired/types.js';
import { cutRelease } from './releases.js';
import { deploy, type DeployOutcome, type DeployRequest } from './deploy.js';
import { down } from './down.js';
import { explain, type Explanation } from './explain.js';
import { logs, type LogsRequest } from './logs.js';
import { preview } from './preview.js';
import { status, type StatusRow } from './status.js';
import type { Workspace } from './workspace.js';
import { PromotionDriver, type Promotion } from './promotion/index.js';
import { decide, history, promote, rollback, activePromotion, type DecisionRequest, type History, type PromoteRequest } from './promotions.js';
import { environmentVerifier } from './verifier.js';
import { compliantService } from '../desired/index.js';
import { NotFoundError, SlipwayError } from '../errors.js';
import { formatResourcePlan } from '../provisioners/index.js';
import { Redactor } from '../secrets/index.js';
import type { Deployment, DeploymentStep, SecretInfo } from '../store/index.js';
import { actionsFor, type ActionChoice, type Caller } from './actions.js';
import { tokenChangeEvent, type TokenChange } from '../store/token-store.js';
import { applyResources, resourcePlan, secretStore } from './materials.js';
import { environmentTargets } from './units.js';
import { receiveWebhook, type WebhookReceipt, type WebhookRequest } from './webhooks.js';
import { BuildDriver, type BuildRequest } from './builds.js';
import type { Build, BuildStatus } from '../store/index.js';
import { environments, services, targets, type EnvironmentSummary, type ServiceSummary, type TargetSummary } from './catalog.js';

export type PromotionAction = 'pause' | 'resume' | 'cancel';

export interface ControlRequest {
  readonly service: string;
  readonly action: PromotionAction;
  /** Only a promotion still on its way into this environment. */
  readonly environment?: string;
  readonly actor: string;
  readonly reason?: string;
}

/** Something that differs from the desired state, and since when. */
export interface Drift {
  readonly service: string;
  readonly environment: string;
  readonly target: string;
  /** What differs, in words: "api is not running in dev on local", "changed by hand: index.html changed". */
  readonly difference: string;
  readonly since: Date;
  /** Why it is left as it is, when it is: paused, a rollout owns it, the target is backing off. */
  readonly heldBack?: string;
}

/** Deployments or rollbacks of a service in an environment waiting for an earlier one there to finish. */
export interface QueuedDeployments {
  readonly service: string;
  readonly environment: string;
  readonly waiting: number;
}

/** A deployment with its steps, oldest step first. */
export type DeploymentDetail = Deployment & { readonly steps: readonly DeploymentStep[] };

export interface EventsFilter {
  readonly service?: string;
  readonly environment?: string;
  /** Only events of this type (`access.denied`). */
  readonly type?: string;
  readonly afterSeq?: number;
  /** At most this many, from the oldest that match. */
  readonly limit?: number;
  /** Only the newest this many (still oldest first); instead of `limit`. */
  readonly last?: number;
}

/** A stretch of a build's log. */
export interface BuildLog {
  readonly lines: string[];
  /** The number of the last line given (`after` when none): ask again after it. */
  readonly next: number;
  /** The build's status when the lines were read: more may come while it is `queued` or `running`. */
  readonly status: BuildStatus;
}

export interface Operations {
  /** The services × environments matrix. Reads only. */
  status(): Promise<readonly StatusRow[]>;
  /** What deploying the project file into `environment` would do. Records nothing. */
  preview(environment?: string): Promise<Plan>;
  /** Deploys and waits for the outcome; one deployment per (service, environment) at a time. */
  deploy(request: DeployRequest, onProgress?: (message: string) => void): Promise<DeployOutcome>;
  /** Who set each value of a service's configuration in an environment, and what it was checked against. */
  explain(service: string, environment: string): Promise<Explanation>;
  /** Stops what runs in an environment (everywhere when absent); returns what was stopped. */
  down(request: { environment?: string; actor: string }): Promise<UnitKey[]>;
  /** Instance output; with `follow`, until the signal aborts. */
  logs(request: LogsRequest): AsyncIterable<LogLine>;
  /** The audit log, oldest first. */
  events(filter?: EventsFilter): Promise<SlipwayEvent[]>;
  /** Starts a promotion of a release through the environments (or into one), or gives a waiting one its go. */
  promote(request: PromoteRequest): Promise<Promotion>;
  /** Approves or rejects the promotion waiting at an environment. */
  decide(request: DecisionRequest): Promise<Promotion>;
  /** Lets a promotion into a frozen environment; recorded with who and why. */
  overrideFreeze(request: { service: string; environment: string; actor: string; reason: string }): Promise<Promotion>;
  /** Pauses, resumes or cancels the newest active promotion of a service (the newest still on its way into `environment`, when named). */
  control(request: ControlRequest): Promise<Promotion>;
  /** Puts the release that ran before back into an environment. */
  rollback(request: { service: string; environment: string; actor: string }): Promise<DeployOutcome>;
  /** Promotions and deployments of a service, newest first. */
  history(service: string): Promise<History>;
  /** Sets a secret (encrypted at rest); the value is never shown again. */
  setSecret(request: { name: string; value: string; actor: string }): Promise<void>;
  /** Names and times of the secrets; never values. */
  listSecrets(): Promise<SecretInfo[]>;
  /** Removes a secret; false when there was none. */
  removeSecret(request: { name: string; actor: string }): Promise<boolean>;
  /** What the environment's resources need: create, update, delete, each with its reason. */
  resources(environment: string): Promise<string[]>;
  /** Carries out that plan, deletes included: the only way a resource is ever deleted. */
  applyResources(request: { environment: string; actor: string }): Promise<string[]>;
  /** Cuts (or reuses) an immutable release of a service from the project file, deploying nothing. */
  createRelease(request: { service: string; version?: string; actor: string }): Promise<Release>;
  /** A service's releases, newest first, each with the environments it is the current release of. */
  listReleases(service: string): Promise<(Release & { environments: string[] })[]>;
  /** What differs from the desired state, since when, and why it is held back if it is. */
  drift(): Promise<Drift[]>;
  /** Where deployments or rollbacks wait in the process that runs them for an earlier one of the same service and environment. Reads only. */
  queuedDeployments(): Promise<QueuedDeployments[]>;
  /** The project's services, in its file's order. Reads only. */
  services(): Promise<ServiceSummary[]>;
  /** The project's environments: targets, where releases come from, how they roll out. Reads only. */
  environments(): Promise<EnvironmentSummary[]>;
  /** The project's targets, each with whether it can be observed and how many units run there. Reads only. */
  targets(): Promise<TargetSummary[]>;
  /** Tells the reconcile loop to leave a service in an environment alone, or to look after it again. */
  convergence(request: { service: string; environment: string; paused: boolean; actor: string; reason?: string }): Promise<void>;
  /** What can be done to a service in an environment now, what each action would do, or why it cannot; `caller` is who asks. Reads only. */
  actions(service: string, environment: string, caller?: Caller): Promise<ActionChoice[]>;
  /** One deployment with its journaled steps. */
  deployment(id: string): Promise<DeploymentDetail>;
  /** Verifies a GitHub or GitLab delivery against its shared secret, records a push once per delivery id and queues the builds it asks for (`engine/webhooks.ts`). */
  receiveWebhook(delivery: WebhookRequest): Promise<WebhookReceipt>;
  /** Queues a build of a service's source at a ref (the newest matching tag when absent); run here at once by a CLI on its own. */
  build(request: BuildRequest): Promise<Build>;
  /** Builds, newest first. Reads only. */
  builds(filter?: { service?: string; limit?: number }): Promise<Build[]>;
  /** One build. Reads only. */
  buildDetail(id: string): Promise<Build>;
  /** A build's log lines after the first `after`, the number of the last line given, and the build's status then. Reads only. */
  buildLog(id: string, after?: number): Promise<BuildLog>;
  /** Cancels a queued or running build. */
  cancelBuild(request: { id: string; actor: string }): Promise<Build>;
  /** Records in the audit log that an API token was created or revoked (tokens are kept by the server, beside the workspace). */
  recordTokenChange(change: TokenChange): Promise<void>;
  /** Records in the audit log a request the server refused for who asked (`server/refusals.ts` decides which). */
  recordRefusal(event: { type: string; actor: string; message: string; data: Readonly<Record<string, unknown>> }): Promise<void>;
  /** Releases what this handle holds. Idempotent. */
  close(): Promise<void>;
}

/** Operations on a workspace open in this process. Each call sees the project file as it is now. */
export class LocalOperations implements Operations {
  /** The one driver of promotions, for this workspace. */
  readonly promotions: PromotionDriver;
  /** The one place builds run, for this workspace. */
  readonly buildDriver: BuildDriver;
  /** Builds a CLI command on its own runs: waited for before it closes. */
  readonly #inlineBuilds: Promise<unknown>[] = [];

  /**
   * `drive: 'inline'` (a CLI command on its own) runs promotions after each change until they
   * finish or wait for a person; `'background'` (`slipway up`) leaves that to its loop.
   */
  constructor(
    readonly workspace: Workspace,
    private readonly options: { drive: 'inline' | 'background'; onClose?: () => Promise<void>; drift?: () => Promise<Drift[]> } = { drive: 'inline' },
  ) {
    this.promotions = new PromotionDriver(workspace, { now: () => new Date(), verify: environmentVerifier() });
    this.buildDriver = new BuildDriver(workspace, {
      promote: async (release, build) => void (await this.promote({ service: release.service, version: release.version, actor: build.actor })),
    });
  }

  async status(): Promise<readonly StatusRow[]> {
    return status(this.workspace);
  }

  async preview(environment?: string): Promise<Plan> {
    await this.workspace.reload();
    return preview(this.workspace, environment);
  }

  async deploy(request: DeployRequest, onProgress?: (message: string) => void): Promise<DeployOutcome> {
    {
      await this.workspace.reload();
      if (!this.workspace.project.spec.services[request.service]) throw new NotFoundError('service', request.service);
      environmentTargets(this.workspace, request.environment);
      const { gates } = compliantService(this.workspace.project, request.service, request.environment);
      if (gates.approvals.length > 0 || gates.freezeWindows.length > 0) {
        throw new SlipwayError('gated', `${request.environment} has approvals or freeze windows, so releases enter it by promotion: slipway promote ${request.service} --env ${request.environment}`);
      }
      await this.promotions.checkOrder(request.service, request.environment, request);
      if (request.orderOverride) await this.recordOrderOverride(request);
      return deploy(this.workspace, request, onProgress);
    }
  }

  private async recordOrderOverride(request: DeployRequest): Promise<void> {
    const { service, environment, actor, orderOverride } = request;
    const message = `${actor} let ${service} into ${environment} out of promotion order: ${orderOverride}`;
    await this.workspace.store.appendEvent({ type: 'promotion.order-overridden', actor, service, environment, message, data: { reason: orderOverride } });
  }

  promote(request: PromoteRequest): Promise<Promotion> {
    return this.changePromotion(async () => promote(this.workspace, this.promotions, request));
  }

  decide(request: DecisionRequest): Promise<Promotion> {
    return this.changePromotion(() => decide(this.workspace, this.promotions, request));
  }

  overrideFreeze(request: { service: string; environment: string; actor: string; reason: string }): Promise<Promotion> {
    return this.changePromotion(async () => {
      const promotion = await activePromotion(this.workspace, request.service, request.environment);
      return this.promotions.overrideFreeze(promotion.id, request.environment, request.actor, request.reason);
    });
  }

  control(request: ControlRequest): Promise<Promotion> {
    return this.changePromotion(async () => {
      const promotion = await activePromotion(this.workspace, request.service, request.environment);
      return this.promotions.control(promotion.id, request.action, request.actor, request.reason);
    });
  }

  rollback(request: { service: string; environment: string; actor: string }): Promise<DeployOutcome> {
    return rollback(this.workspace, request);
  }

  history(service: string): Promise<History> {
    return history(this.workspace, service);
  }

  async actions(service: string, environment: string, caller?: Caller): Promise<ActionChoice[]> {
    await this.workspace.reload();
    return actionsFor(this.workspace, service, environment, caller);
  }

  async deployment(id: string): Promise<DeploymentDetail> {
    const found = await this.workspace.store.getDeployment(id);
    if (!found) throw new NotFoundError('deployment', id);
    return found;
  }

  async createRelease(request: { service: string; version?: string; actor: string }): Promise<Release> {
    await this.workspace.reload();
    const release = await cutRelease(this.workspace, request.service, { version: request.version, actor: request.actor });
    await this.workspace.store.appendEvent({ type: 'release.created', actor: request.actor, service: request.service, message: `${request.actor} cut ${request.service} ${release.version}`, data: { release: release.id } });
    return release;
  }

  async listReleases(service: string): Promise<(Release & { environments: string[] })[]> {
    if (!this.workspace.project.spec.services[service]) throw new NotFoundError('service', service);
    const current = await Promise.all(
      Object.keys(this.workspace.project.spec.environments).map(async (env) => [env, (await this.workspace.store.currentRelease(service, env))?.id] as const),
    );
    return (await this.workspace.store.listReleases(service)).map((r) => ({ ...r, environments: current.filter(([, id]) => id === r.id).map(([env]) => env) }));
  }

  async drift(): Promise<Drift[]> {
    if (!this.options.drift) throw new SlipwayError('bad-request', 'drift is known to the process that converges; start it with slipway up');
    return this.options.drift();
  }

  async services(): Promise<ServiceSummary[]> {
    await this.workspace.reload();
    return services(this.workspace);
  }

  async environments(): Promise<EnvironmentSummary[]> {
    await this.workspace.reload();
    return environments(this.workspace);
  }

  async targets(): Promise<TargetSummary[]> {
    await this.workspace.reload();
    return targets(this.workspace);
  }

  async queuedDeployments(): Promise<QueuedDeployments[]> {
    return this.workspace.executor.waiting().flatMap(([key, waiting]) => {
      const pair = /^unit:([^/]+)\/(.+)$/.exec(key);
      return pair ? [{ service: pair[1]!, environment: pair[2]!, waiting }] : [];
    });
  }

  async convergence(request: { service: string; environment: string; paused: boolean; actor: string; reason?: string }): Promise<void> {
    const { service, environment, actor } = request;
    if (!this.workspace.project.spec.services[service]) throw new NotFoundError('service', service);
    environmentTargets(this.workspace, environment);
    if (request.paused) await this.workspace.store.pauseConvergence({ service, environment, actor, reason: request.reason ?? '' });
    else await this.workspace.store.resumeConvergence(service, environment);
    const verb = request.paused ? 'paused' : 'resumed';
    await this.workspace.store.appendEvent({ type: `converge.${verb}`, actor, service, environment, message: `${actor} ${verb} convergence of ${service} in ${environment}${request.reason ? `: ${request.reason}` : ''}`, data: {} });
  }

  async setSecret(request: { name: string; value: string; actor: string }): Promise<void> {
    await secretStore(this.workspace).set(request.name, request.value);
    await this.workspace.store.appendEvent({ type: 'secret.set', actor: request.actor, message: `${request.actor} set secret ${request.name}`, data: { name: request.name } });
  }

  listSecrets(): Promise<SecretInfo[]> {
    return secretStore(this.workspace).list();
  }

  async removeSecret(request: { name: string; actor: string }): Promise<boolean> {
    const removed = await secretStore(this.workspace).remove(request.name);
    if (removed) await this.workspace.store.appendEvent({ type: 'secret.removed', actor: request.actor, message: `${request.actor} removed secret ${request.name}`, data: { name: request.name } });
    return removed;
  }

  async resources(environment: string): Promise<string[]> {
    await this.workspace.reload();
    environmentTargets(this.workspace, environment);
    return formatResourcePlan(await resourcePlan(this.workspace, environment));
  }

  applyResources(request: { environment: string; actor: string }): Promise<string[]> {
    return this.workspace.executor.run(`resources:${request.environment}`, async () => {
      await this.workspace.reload();
      environmentTargets(this.workspace, request.environment);
      const replan = () => resourcePlan(this.workspace, request.environment);
      const applied = await applyResources(this.workspace, await replan(), { deletes: true, redactor: new Redactor(), replan });
      const lines = applied.map((a) => `${a.uid} ${a.result}`);
      if (lines.length) await this.workspace.store.appendEvent({ type: 'resources.applied', actor: request.actor, environment: request.environment, message: `${request.actor} applied the resource plan of ${request.environment}: ${lines.join(', ')}`, data: {} });
      return lines;
    });
  }

  /** Runs promotions until each finishes or waits for a person (or a long timed wait). */
  async drive(maxWaitMs = 30_000): Promise<void> {
    for (;;) {
      const wait = await this.promotions.runActive();
      const active = await this.workspace.store.listPromotions({ active: true });
      if (wait === undefined || wait > maxWaitMs || active.every((p) => p.status === 'waiting' || p.status === 'paused')) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async changePromotion(change: () => Promise<Promotion>): Promise<Promotion> {
    await this.workspace.reload();
    const promotion = await change();
    if (this.options.drive === 'background') return promotion;
    await this.drive();
    return (await this.workspace.store.getPromotion(promotion.id)) ?? promotion;
  }

  async explain(service: string, environment: string): Promise<Explanation> {
    await this.workspace.reload();
    return explain(this.workspace, service, environment);
  }

  down(request: { environment?: string; actor: string }): Promise<UnitKey[]> {
    return down(this.workspace, request);
  }

  logs(request: LogsRequest): AsyncIterable<LogLine> {
    return logs(this.workspace, request);
  }

  async events(filter: EventsFilter = {}): Promise<SlipwayEvent[]> {
    return this.workspace.store.listEvents(filter);
  }

  receiveWebhook(delivery: WebhookRequest): Promise<WebhookReceipt> {
    return this.workspace.executor.run('webhooks', async () => {
      await this.workspace.reload();
      return receiveWebhook(this.workspace, delivery, (provider, push) => this.buildDriver.fromPush(provider, push));
    });
  }

  async build(request: BuildRequest): Promise<Build> {
    await this.workspace.reload();
    const build = await this.buildDriver.request(request);
    // On its own, a CLI command runs the build itself, and closes only once it (and its promotion) ended.
    if (this.options.drive === 'inline') this.#inlineBuilds.push(this.buildDriver.waitFor(build.id).catch(() => undefined));
    return build;
  }

  async builds(filter: { service?: string; limit?: number } = {}): Promise<Build[]> {
    return this.workspace.store.builds.listBuilds(filter);
  }

  async buildDetail(id: string): Promise<Build> {
    const build = await this.workspace.store.builds.getBuild(id);
    if (!build) throw new NotFoundError('build', id);
    return build;
  }

  async buildLog(id: string, after = 0): Promise<BuildLog> {
    const { status } = await this.buildDetail(id);
    return { ...(await this.workspace.store.builds.readBuildLog(id, after)), status };
  }

  cancelBuild(request: { id: string; actor: string }): Promise<Build> {
    return this.buildDriver.cancel(request.id, request.actor);
  }

  async recordTokenChange(change: TokenChange): Promise<void> {
    await this.workspace.store.appendEvent(tokenChangeEvent(change));
  }

  async recordRefusal(event: { type: string; actor: string; message: string; data: Readonly<Record<string, unknown>> }): Promise<void> {
    await this.workspace.store.appendEvent({ ...event, data: { ...event.data } });
  }

  async close(): Promise<void> {
    await Promise.all(this.#inlineBuilds.splice(0));
    return (this.options.onClose ?? (() => this.workspace.close()))();
  }
}
