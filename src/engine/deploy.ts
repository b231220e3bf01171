/**
 * Deployments: the one apply path. Everything that changes what runs — `slipway deploy`, a
 * rollback, a promotion's roll-out, the reconcile loop's corrections — is a deployment of one
 * release into one (service, environment), carried out under that pair's lease (`unitLease`). A
 * deployment is recorded (with its start event) before it acts, journals each step before and
 * after, and ends with its status and end event in one transaction: exactly once. A deployment
 * cut short by a killed process is finished by whoever takes the lease next (`recoverUnit`):
 * planned again against what runs and carried on, so its environment never stays half on one
 * release and half on another.
 */
import { randomUUID } from 'node:crypto';
import type { DesiredUnit, Release } from '../desired/types.js';
import { plan, type PlanStep } from '../planner/index.js';
import { stepKey } from '../planner/types.js';
import type { Deployment, DeploymentStatus } from '../store/index.js';
import { PartialRolloutError, errorMessage } from '../errors.js';
import type { ResourcePlan } from '../provisioners/index.js';
import { Redactor } from '../secrets/index.js';
import { applyResources, materialize, resourcePlan } from './materials.js';
import { STOPPED_BY_DOWN } from './down.js';
import { cutRelease } from './releases.js';
import { observeUnits, unitsOf } from './units.js';
import type { Workspace } from './workspace.js';
import { trace } from '../trace.js';

export interface DeployRequest {
  readonly service: string;
  readonly environment: string;
  /** Release version to cut or reuse; the next `v<N>` (or identical content's) when absent. */
  readonly version?: string;
  /** Who asked: a user name, or `slipway` for its own decisions. */
  readonly actor: string;
  /** Why the release may enter before succeeding where the environment promotes from (admins only; the server checks). */
  readonly orderOverride?: string;
}

/** Deploy exactly this recorded release (a promotion, a rollback, a correction) instead of cutting one. */
export interface ReleaseDeployRequest {
  readonly service: string;
  readonly environment: string;
  readonly actor: string;
  readonly release: Release;
  /** Only these of the environment's targets (a canary, one target corrected); all when absent. */
  readonly targets?: readonly string[];
  /** `all-at-once` changes every target together; otherwise one target after another. */
  readonly strategy?: 'all-at-once' | 'rolling' | 'canary';
  /** Names the deployment, so that asking again (a promotion's action redone) finds it instead of making another. */
  readonly id?: string;
  /** Why, in words, when it is not a person's ask: "correcting: api is not running in dev on local". */
  readonly reason?: string;
}

/** How a deployment ended: "api in dev has been `deployed` / is `unchanged` / `failed`". */
export type DeployResult = 'deployed' | 'unchanged' | 'failed';

export interface DeployOutcome {
  readonly result: DeployResult;
  readonly release: Release;
  /** Absent when nothing had to change and nothing was recorded. */
  readonly deployment?: Deployment;
  readonly message: string;
}

/** The lease key of a (service, environment): every change of its units is made holding it. */
export function unitLease(service: string, environment: string): string {
  return `unit:${service}/${environment}`;
}

/**
 * Cuts (or reuses) the release and deploys it, waiting until it is ready everywhere or has failed.
 * Idempotent: deploying what already runs records nothing and reports `unchanged`.
 */
export async function deploy(ws: Workspace, request: DeployRequest, onProgress?: (message: string) => void): Promise<DeployOutcome> {
  const release = await cutRelease(ws, request.service, { version: request.version, actor: request.actor });
  trace(`release ${release.version} cut`);
  return deployRelease(ws, { service: request.service, environment: request.environment, actor: request.actor, release }, onProgress);
}

/**
 * Deploys a recorded release under the pair's lease: plans against what runs now, and records and
 * carries out a deployment when anything must change. With an `id` that names a deployment
 * already, that one is finished (or, ended, its outcome returned): never a second.
 */
export function deployRelease(ws: Workspace, request: ReleaseDeployRequest, onProgress: (message: string) => void = () => {}): Promise<DeployOutcome> {
  return ws.executor.run(unitLease(request.service, request.environment), () => deployHeld(ws, request, onProgress));
}

/** `deployRelease` for a caller that holds the pair's lease already (the reconcile loop decides inside it). */
export async function deployHeld(ws: Workspace, request: ReleaseDeployRequest, onProgress: (message: string) => void = () => {}): Promise<DeployOutcome> {
  const known = request.id ? await ws.store.getDeployment(request.id) : undefined;
  if (known && known.status !== 'running') return outcomeOf(known, request.release);
  const steps = await planFor(ws, request.release, request.environment, request.targets);
  trace('observed and planned');
  const current = await ws.store.currentRelease(request.service, request.environment);
  const label = `${request.service} ${request.release.version} in ${request.environment}`;
  if (!known && steps.length === 0 && current?.id === request.release.id) return { result: 'unchanged', release: request.release, message: `${label} is unchanged` };
  const deployment = known ?? (await record(ws, request, label));
  trace('deployment recorded');
  return carryOut(ws, deployment, request.release, steps, onProgress);
}

/**
 * Finishes every deployment of the (service, environment) behind `key` that a killed holder left
 * running: planned again and carried on, ending with its one end event. The caller holds the lease.
 */
export async function recoverUnit(ws: Workspace, key: string): Promise<void> {
  const match = /^unit:([^/]+)\/(.+)$/.exec(key);
  if (!match) return;
  const [, service, environment] = match as unknown as [string, string, string];
  const left = await ws.store.listDeployments({ service, environment, statuses: ['running'] });
  for (const deployment of left.reverse()) {
    const release = await ws.store.getRelease(deployment.releaseId);
    if (!release) continue;
    let steps: PlanStep[];
    try {
      steps = await planFor(ws, release, environment, deployment.targets ?? undefined);
    } catch (error) {
      await end(ws, deployment, 'failed', `${deployment.message}: cut short, and it cannot be finished: ${errorMessage(error)}`);
      continue;
    }
    await carryOut(ws, deployment, release, steps, () => {}, 'finished after Slipway stopped during it');
  }
}

/**
 * For a process starting up: recovers every lease a holder left abandoned (finishing its
 * deployments), and finishes every deployment still running whose pair nobody holds (one left by
 * a version of Slipway before leases). Deployments a live holder is carrying out are left to it.
 */
export async function recoverInterrupted(ws: Workspace): Promise<void> {
  await ws.executor.recoverAbandoned();
  const held = new Set((await ws.store.leases.listLeases()).map((lease) => lease.key));
  const running = await ws.store.listDeployments({ statuses: ['running'] });
  const keys = new Set(running.map((d) => unitLease(d.service, d.environment)).filter((key) => !held.has(key)));
  for (const key of keys) await ws.executor.run(key, () => recoverUnit(ws, key));
}

/** The steps that take the targets (all of the environment's, or `only`) to `release`, against what runs now. */
async function planFor(ws: Workspace, release: Release, environment: string, only?: readonly string[]): Promise<PlanStep[]> {
  const desired = unitsOf(ws, release, environment).filter((u) => !only || only.includes(u.target));
  const observed = (await observeUnits(ws, { service: release.service, environment })).filter((u) => !only || only.includes(u.target));
  return [...plan({ units: desired }, { units: observed }).steps];
}

async function record(ws: Workspace, request: ReleaseDeployRequest, label: string): Promise<Deployment> {
  const { service, environment, actor } = request;
  const id = request.id ?? randomUUID();
  const message = request.reason ?? `${actor} started deploying ${label}`;
  const started = { type: 'deployment.started', actor, service, environment, message, data: { deployment: id, release: request.release.id } };
  const scope = { targets: request.targets ?? null, strategy: request.strategy ?? null };
  return ws.store.createDeployment({ id, service, environment, releaseId: request.release.id, createdBy: actor, message: `deploying ${label}`, ...scope }, [started]);
}

/** Carries out the steps of a recorded deployment and ends it. */
async function carryOut(ws: Workspace, deployment: Deployment, release: Release, steps: readonly PlanStep[], onProgress: (message: string) => void, note?: string): Promise<DeployOutcome> {
  const label = `${deployment.service} ${release.version} in ${deployment.environment}`;
  const redactor = new Redactor();
  const desired = steps.flatMap((step) => (step.kind === 'remove' ? [] : [step.unit]));
  const provisioning = await provisionStep(ws, deployment, desired, redactor, onProgress);
  const failures: StepFailure[] = provisioning ? [provisioning] : [];
  if (!provisioning && deployment.strategy === 'all-at-once') {
    failures.push(...(await Promise.all(steps.map((step) => runStep(ws, deployment, step, redactor, onProgress)))).filter((f) => f !== undefined));
  } else if (!provisioning) {
    for (const step of steps) {
      const failure = await runStep(ws, deployment, step, redactor, onProgress);
      if (failure) failures.push(failure);
      if (failure && !failure.partial) break; // an unreachable target does not stop the others
    }
  }
  const suffix = note ? ` (${note})` : '';
  if (failures.length > 0) {
    const partial = failures.every((f) => f.partial);
    const text = failures.map((f) => f.message).join('; ');
    const message = partial ? `${label} reached every target it could: ${text}; the rest converges when it returns${suffix}` : `${label} failed: ${text}${suffix}`;
    return { result: 'failed', release, message, deployment: await end(ws, deployment, partial ? 'partial' : 'failed', message) };
  }
  const message = `${label} is ready${suffix}`;
  const ended = await end(ws, deployment, 'succeeded', message);
  trace('deployment ended');
  await liftDownPause(ws, deployment.service, deployment.environment);
  return { result: 'deployed', release, message, deployment: ended };
}

/**
 * Ends the deployment with its event, telling how long each finished step took (`steps: [{ kind,
 * seconds }]`, which `/metrics` counts), in one transaction; returns it as it ended.
 */
async function end(ws: Workspace, deployment: Deployment, status: Exclude<DeploymentStatus, 'running'>, message: string): Promise<Deployment> {
  const journal = (await ws.store.getDeployment(deployment.id))?.steps ?? [];
  const steps = journal.flatMap((step) => (step.finishedAt ? [{ kind: step.kind, seconds: (step.finishedAt.getTime() - step.startedAt.getTime()) / 1000 }] : []));
  const type = `deployment.${status}`;
  const event = { type, actor: deployment.createdBy, service: deployment.service, environment: deployment.environment, message, data: { deployment: deployment.id, release: deployment.releaseId, steps } };
  await ws.store.finishDeployment(deployment.id, { status, message }, [event]);
  return (await ws.store.getDeployment(deployment.id)) ?? deployment;
}

/** The outcome of a deployment that has ended. */
function outcomeOf(deployment: Deployment, release: Release): DeployOutcome {
  return { result: deployment.status === 'succeeded' ? 'deployed' : 'failed', release, deployment, message: deployment.message };
}

/** Why a step failed (secrets redacted); `partial` when it reached everything reachable. */
interface StepFailure {
  readonly message: string;
  readonly partial: boolean;
}

/**
 * Journals `work` as a step of the deployment: recorded before it acts and again after. Returns
 * how it failed, or undefined on success.
 */
async function journaled(ws: Workspace, deployment: Deployment, step: { kind: string; target: string; message: string }, redactor: Redactor, work: () => Promise<string>): Promise<StepFailure | undefined> {
  const index = await ws.store.startStep(deployment.id, step);
  trace(`step ${step.kind} on ${step.target} journaled`);
  try {
    const message = await work();
    trace(`step ${step.kind} on ${step.target} done`);
    await ws.store.finishStep(deployment.id, index, { status: 'succeeded', message });
    return undefined;
  } catch (error) {
    const message = redactor.redact(errorMessage(error));
    await ws.store.finishStep(deployment.id, index, { status: 'failed', message });
    return { message, partial: error instanceof PartialRolloutError };
  }
}

/** Carries out one plan step, with resource outputs and secrets filled in on the way to the runtime. */
function runStep(ws: Workspace, deployment: Deployment, step: PlanStep, redactor: Redactor, onProgress: (message: string) => void): Promise<StepFailure | undefined> {
  const key = stepKey(step);
  onProgress(`${step.kind} on ${key.target}: ${step.reason}`);
  return journaled(ws, deployment, { kind: step.kind, target: key.target, message: step.reason }, redactor, async () => {
    const runtime = ws.runtime(key.target);
    if (step.kind === 'remove') await runtime.remove(key, { onProgress });
    else await runtime.apply(await materialize(ws, step.unit, redactor), { onProgress });
    return `${step.kind} done`;
  });
}

/** Creates or updates the environment's resources the project asks for; a step only when there is something to do. */
async function provisionStep(ws: Workspace, deployment: Deployment, desired: readonly DesiredUnit[], redactor: Redactor, onProgress: (message: string) => void): Promise<StepFailure | undefined> {
  const asks = Object.values(ws.project.spec.services).some((s) => Object.keys(s.resources).length > 0);
  if (!asks) return undefined;
  let plan: ResourcePlan;
  try {
    plan = await resourcePlan(ws, deployment.environment, desired);
  } catch (error) {
    return { message: redactor.redact(errorMessage(error)), partial: false };
  }
  if (!plan.steps.some((step) => step.kind !== 'delete')) return undefined;
  return journaled(ws, deployment, { kind: 'provision', target: '-', message: 'resources the services ask for' }, redactor, async () => {
    const applied = await applyResources(ws, plan, { deletes: false, redactor, onProgress, replan: () => resourcePlan(ws, deployment.environment, desired) });
    return applied.map((a) => `${a.uid} ${a.result}`).join(', ');
  });
}

/** A deployment undoes `slipway down` for its unit: the reconcile loop looks after it again. */
async function liftDownPause(ws: Workspace, service: string, environment: string): Promise<void> {
  const pauses = await ws.store.listConvergencePauses();
  if (pauses.some((p) => p.service === service && p.environment === environment && p.reason === STOPPED_BY_DOWN)) await ws.store.resumeConvergence(service, environment);
}
