/**
 * Carrying out a resource plan: each step calls its provisioner, then records the result (secret
 * outputs go to the secret store). Every secret seen is added to the redactor, and provisioner
 * failures are reported through it.
 */
import { canonicalJson } from '../desired/hash.js';
import { ConflictError, errorMessage } from '../errors.js';
import { resolveSecretRefs, type Redactor } from '../secrets/index.js';
import type { ResourceRecord, Store } from '../store/types.js';
import { ProvisionerError } from './errors.js';
import { describeSpec } from './match.js';
import { removeOutputSecrets, resolveOutputs, storeOutputs, type SecretAccess } from './outputs.js';
import { ProvisionerSpec } from './schema.js';
import type { Provisioner, ProvisionerRegistry, RequestedResource, ResourcePlan, ResourceStep } from './types.js';

/** What applying a plan needs. */
export interface ApplyContext {
  readonly records: Pick<Store, 'putResource' | 'getResource' | 'deleteResource'>;
  readonly secrets: SecretAccess;
  readonly registry: ProvisionerRegistry;
  /** Learns every secret value that provisioning handles, and redacts failures. */
  readonly redactor: Redactor;
  readonly onProgress?: (message: string) => void;
}

/** "postgres#default#main has been `created` / `updated` / `deleted`". */
export interface AppliedStep {
  readonly uid: string;
  readonly result: 'created' | 'updated' | 'deleted';
}

/**
 * Applies `plan`'s steps in order and returns what each did. Stops at the first failure with a
 * `ProvisionerError` (redacted); steps before it stay applied and recorded, and applying the same
 * plan again is harmless. A `delete` whose record changed since the plan was made throws
 * `ConflictError` (preview again); one whose record is gone already counts as deleted.
 */
export async function applyResourcePlan(plan: ResourcePlan, ctx: ApplyContext): Promise<AppliedStep[]> {
  const applied: AppliedStep[] = [];
  for (const step of plan.steps) {
    const uid = step.kind === 'delete' ? step.recorded.uid : step.resource.uid;
    ctx.onProgress?.(`${step.kind} resource ${uid}: ${step.reason}`);
    try {
      if (step.kind === 'delete') await deleteResource(step.recorded, ctx);
      else await provisionResource(step.resource, ctx);
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      throw new ProvisionerError(uid, ctx.redactor.redact(`${verb(step)} resource ${uid} failed: ${errorMessage(error)}`));
    }
    applied.push({ uid, result: `${step.kind}d` as AppliedStep['result'] });
  }
  return applied;
}

/**
 * Applies `plan` as `applyResourcePlan` does, and while it has resources waiting for outputs its
 * steps provision (params that use another resource's outputs), makes it again with `replan` and
 * applies that, until none waits or a round applies nothing (what still waits is then left, as
 * the last plan says). Returns every step applied, in order.
 */
export async function applyResourceRounds(plan: ResourcePlan, ctx: ApplyContext, replan: () => Promise<ResourcePlan>): Promise<AppliedStep[]> {
  const applied: AppliedStep[] = [];
  for (let round = plan; ; round = await replan()) {
    const done = await applyResourcePlan(round, ctx);
    applied.push(...done);
    if (!round.waiting?.length || done.length === 0) return applied;
  }
}

async function provisionResource(resource: RequestedResource, ctx: ApplyContext): Promise<void> {
  const recorded = await ctx.records.getResource(resource.environment, resource.uid);
  const previous = recorded && (await learn(ctx, resolveOutputs(recorded, ctx.secrets))).env;
  const spec = await resolveSpec(resource.spec, ctx);
  const { environment, uid, type, id, params, usedBy } = resource;
  const provisioner = ctx.registry[spec.provisioner] as Provisioner<ProvisionerSpec>;
  const result = await provisioner.provision({ environment, uid, type, class: resource.class, id, params, usedBy, spec, previous });
  ctx.redactor.add(...Object.values(result.secrets ?? {}));
  const outputs = await storeOutputs(ctx.secrets, resource, result, recorded?.outputs);
  await ctx.records.putResource({ environment, uid, type, class: resource.class, id, provisioner: resource.spec, params, paramsHash: resource.paramsHash, outputs, usedBy });
}

async function deleteResource(planned: ResourceRecord, ctx: ApplyContext): Promise<void> {
  const current = await ctx.records.getResource(planned.environment, planned.uid);
  if (!current) return;
  // Content and time: a change within the same millisecond still shows.
  if (canonicalJson(current) !== canonicalJson(planned)) {
    throw new ConflictError(`resource ${planned.uid} in ${planned.environment} changed since this plan was made; preview again`);
  }
  const spec = await resolveSpec(ProvisionerSpec.parse(current.provisioner), ctx);
  const outputs = (await learn(ctx, resolveOutputs(current, ctx.secrets))).env;
  const { environment, uid, type, id, params, usedBy } = current;
  const provisioner = ctx.registry[spec.provisioner] as Provisioner<ProvisionerSpec>;
  await provisioner.deprovision({ environment, uid, type, class: current.class, id, params, usedBy, spec, outputs });
  await removeOutputSecrets(ctx.secrets, current.outputs);
  await ctx.records.deleteResource(environment, uid);
}

/** The definition with its top-level `secret:` string fields resolved (and learnt by the redactor). */
async function resolveSpec(spec: ProvisionerSpec, ctx: ApplyContext): Promise<ProvisionerSpec> {
  const fields = Object.fromEntries(Object.entries(spec).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const { env } = await learn(ctx, resolveSecretRefs(fields, ctx.secrets, `provisioner ${describeSpec(spec)} field`));
  return { ...spec, ...env } as ProvisionerSpec;
}

async function learn<T extends { secretValues: string[] }>(ctx: ApplyContext, resolving: Promise<T>): Promise<T> {
  const resolved = await resolving;
  ctx.redactor.add(...resolved.secretValues);
  return resolved;
}

function verb(step: ResourceStep): string {
  return { create: 'creating', update: 'updating', delete: 'deleting' }[step.kind];
}
