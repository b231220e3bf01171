/**
 * Deploying one service into one environment: cut (or reuse) the release, plan against what runs,
 * and carry out the plan's steps, journaling each step before and after it acts. A failed step
 * leaves the previous release running (the runtimes guarantee it) and fails the deployment.
 */
import type { Release } from '../desired/types.js';
import { plan, type PlanStep } from '../planner/index.js';
import { stepKey } from '../planner/types.js';
import type { Deployment } from '../store/index.js';
import { PartialRolloutError, errorMessage } from '../errors.js';
import type { DesiredUnit } from '../desired/types.js';
import type { ResourcePlan } from '../provisioners/index.js';
import { Redactor } from '../secrets/index.js';
import { applyResources, materialize, resourcePlan } from './materials.js';
import { STOPPED_BY_DOWN } from './down.js';
import { cutRelease } from './releases.js';
import { observeUnits, unitsOf } from './units.js';
import type { Workspace } from './workspace.js';

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

/** Deploy exactly this recorded release (a promotion or a rollback) instead of cutting one. */
export interface ReleaseDeployRequest extends Omit<DeployRequest, 'version'> {
  readonly release: Release;
  /** Only these of the environment's targets (a canary); all when absent. */
  readonly targets?: readonly string[];
  /** `all-at-once` changes every target together; otherwise one target after another. */
  readonly strategy?: 'all-at-once' | 'rolling' | 'canary';
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

/**
 * Deploys `request.service` into `request.environment` and waits until it is ready everywhere or
 * has failed. Idempotent: deploying what already runs records nothing and reports `unchanged`.
 * Plans and acts in the (service, environment)'s turn (`Workspace.changing`), so a reconciler
 * correction never interleaves with it.
 */
export async function deploy(ws: Workspace, request: DeployRequest | ReleaseDeployRequest, onProgress: (message: string) => void = () => {}): Promise<DeployOutcome> {
  const { service, environment, actor } = request;
  const release = 'release' in request ? request.release : await cutRelease(ws, service, { version: request.version, actor });
  return ws.changing(service, environment, () => deployRelease(ws, request, release, onProgress));
}

async function deployRelease(ws: Workspace, request: DeployRequest | ReleaseDeployRequest, release: Release, onProgress: (message: string) => void): Promise<DeployOutcome> {
  const { service, environment, actor } = request;
  const only = 'release' in request ? request.targets : undefined;
  const desired = unitsOf(ws, release, environment).filter((u) => !only || only.includes(u.target));
  const observed = (await observeUnits(ws, { service, environment })).filter((u) => !only || only.includes(u.target));
  const { steps } = plan({ units: desired }, { units: observed });
  const current = await ws.store.currentRelease(service, environment);
  const label = `${service} ${release.version} in ${environment}`;
  if (steps.length === 0 && current?.id === release.id) {
    return { result: 'unchanged', release, message: `${label} is unchanged` };
  }

  const deployment = await ws.store.createDeployment({ service, environment, releaseId: release.id, createdBy: actor });
  await ws.store.setDeploymentStatus(deployment.id, 'running', `deploying ${label}`);
  await record(ws, deployment, 'deployment.started', actor, `${actor} started deploying ${label}`);
  const redactor = new Redactor();
  const provisioning = await provisionStep(ws, deployment, desired, redactor, onProgress);
  const outcomes: StepFailure[] = provisioning ? [provisioning] : [];
  if (!provisioning && 'release' in request && request.strategy === 'all-at-once') {
    outcomes.push(...(await Promise.all(steps.map((step) => runStep(ws, deployment, step, redactor, onProgress)))).filter((f) => f !== undefined));
  } else if (!provisioning) {
    for (const step of steps) {
      const failure = await runStep(ws, deployment, step, redactor, onProgress);
      if (failure) outcomes.push(failure);
      if (failure && !failure.partial) break; // an unreachable target does not stop the others
    }
  }
  if (outcomes.length > 0) {
    const partial = outcomes.every((f) => f.partial);
    const text = outcomes.map((f) => f.message).join('; ');
    const message = partial ? `${label} reached every target it could: ${text}; the rest converges when it returns` : `${label} failed: ${text}`;
    await ws.store.setDeploymentStatus(deployment.id, partial ? 'partial' : 'failed', message);
    return finish(ws, deployment, partial ? 'deployment.partial' : 'deployment.failed', actor, { result: 'failed', release, message });
  }
  const message = `${label} is ready`;
  await ws.store.setDeploymentStatus(deployment.id, 'succeeded', message);
  await liftDownPause(ws, service, environment);
  return finish(ws, deployment, 'deployment.succeeded', actor, { result: 'deployed', release, message });
}

/**
 * Records how a deployment ended, its event telling how long each finished step took
 * (`steps: [{ kind, seconds }]`, which `/metrics` counts), and returns the outcome with the
 * deployment as it finished.
 */
async function finish(ws: Workspace, deployment: Deployment, type: string, actor: string, outcome: Omit<DeployOutcome, 'deployment'>): Promise<DeployOutcome> {
  const finished = (await ws.store.getDeployment(deployment.id)) ?? { ...deployment, steps: [] };
  const steps = finished.steps.flatMap((step) => (step.finishedAt ? [{ kind: step.kind, seconds: (step.finishedAt.getTime() - step.startedAt.getTime()) / 1000 }] : []));
  await record(ws, deployment, type, actor, outcome.message, { steps });
  return { ...outcome, deployment: finished };
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
  try {
    await ws.store.finishStep(deployment.id, index, { status: 'succeeded', message: await work() });
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
    const applied = await applyResources(ws, plan, { deletes: false, redactor, onProgress });
    return applied.map((a) => `${a.uid} ${a.result}`).join(', ');
  });
}

/** A deployment undoes `slipway down` for its unit: the reconcile loop looks after it again. */
async function liftDownPause(ws: Workspace, service: string, environment: string): Promise<void> {
  const pauses = await ws.store.listConvergencePauses();
  if (pauses.some((p) => p.service === service && p.environment === environment && p.reason === STOPPED_BY_DOWN)) await ws.store.resumeConvergence(service, environment);
}

async function record(ws: Workspace, deployment: Deployment, type: string, actor: string, message: string, data: Record<string, unknown> = {}): Promise<void> {
  await ws.store.appendEvent({
    type,
    actor,
    service: deployment.service,
    environment: deployment.environment,
    message,
    data: { deployment: deployment.id, release: deployment.releaseId, ...data },
  });
}
