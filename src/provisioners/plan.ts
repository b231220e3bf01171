/**
 * Planning changes to provisioned resources: what the services need against what is recorded.
 * Pure: no I/O, no clock; the same input gives the same plan.
 */
import type { ResourceRecord, ResourceUser } from '../store/types.js';
import { compare } from './requests.js';
import type { RequestedResource, ResourcePlan, ResourceStep, WaitingResource } from './types.js';

/**
 * Steps that bring `recorded` (one environment's records) to `requested`: `create` for a resource
 * not recorded, `update` for one whose provisioner, params or users changed, `delete` for a
 * record no service asks for any more. Unchanged resources make no step. A resource whose params
 * use outputs of one not provisioned yet, or of one this plan creates or changes, makes no step:
 * it is `waiting`, to be planned again once the steps are applied (its outputs then known).
 */
export function planResources(requested: readonly RequestedResource[], recorded: readonly ResourceRecord[]): ResourcePlan {
  const records = new Map(recorded.map((record) => [record.uid, record]));
  const wanted = new Set(requested.map((resource) => resource.uid));
  const steps: ResourceStep[] = [];
  const waiting: WaitingResource[] = [];
  for (const resource of [...requested].sort((a, b) => compare(a.uid, b.uid))) {
    if (resource.waitsFor?.length) {
      waiting.push({ resource, reason: `its params use outputs of ${resource.waitsFor.join(', ')}, not provisioned yet` });
      continue;
    }
    const record = records.get(resource.uid);
    if (!record) {
      steps.push({ kind: 'create', resource, reason: `${users(resource.usedBy)} asks for it; it is not provisioned yet` });
      continue;
    }
    const reason = updateReason(resource, record);
    if (reason) steps.push({ kind: 'update', resource, recorded: record, reason });
  }
  // Outputs that change in this plan reach the params that use them only in a later round.
  const changing = new Set([...steps.map((step) => (step.kind === 'delete' ? step.recorded.uid : step.resource.uid)), ...waiting.map((w) => w.resource.uid)]);
  for (let moved = true; moved; ) {
    moved = false;
    for (const resource of requested) {
      const needs = (resource.dependsOn ?? []).filter((uid) => changing.has(uid));
      if (needs.length === 0 || changing.has(resource.uid)) continue;
      waiting.push({ resource, reason: `its params use outputs of ${needs.join(', ')}, which this plan changes first` });
      changing.add(resource.uid);
      moved = true;
    }
  }
  const waits = new Set(waiting.map((w) => w.resource.uid));
  const kept = steps.filter((step) => step.kind === 'delete' || !waits.has(step.resource.uid));
  for (const record of [...recorded].sort((a, b) => compare(a.uid, b.uid))) {
    if (!wanted.has(record.uid)) kept.push({ kind: 'delete', recorded: record, reason: `no service asks for it any more (it was used by ${users(record.usedBy)})` });
  }
  waiting.sort((a, b) => compare(a.resource.uid, b.resource.uid));
  return waiting.length > 0 ? { steps: kept, waiting } : { steps: kept };
}

/** The plan without its `delete` steps: what a deploy applies (deleting needs the user's say-so). */
export function withoutDeletes(plan: ResourcePlan): ResourcePlan {
  return { ...plan, steps: plan.steps.filter((step) => step.kind !== 'delete') };
}

/** One line per step, `create postgres#default#main: <reason>`, then `later route#…: <reason>` per waiting resource, for `slipway preview`. */
export function formatResourcePlan(plan: ResourcePlan): string[] {
  return [
    ...plan.steps.map((step) => `${step.kind} ${step.kind === 'delete' ? step.recorded.uid : step.resource.uid}: ${step.reason}`),
    ...(plan.waiting ?? []).map((w) => `later ${w.resource.uid}: ${w.reason}; planned once they are applied`),
  ];
}

/** Why `record` must change to become `resource`, or undefined when it need not. */
function updateReason(resource: RequestedResource, record: ResourceRecord): string | undefined {
  const recordedKind = String(record.provisioner.provisioner);
  if (recordedKind !== resource.spec.provisioner) return `its provisioner changed from ${recordedKind} to ${resource.spec.provisioner}`;
  if (record.paramsHash !== resource.paramsHash) return 'its provisioner definition or params changed';
  const [was, now] = [users(record.usedBy), users(resource.usedBy)];
  if (was !== now) return `it is now used by ${now} (it was used by ${was})`;
  return undefined;
}

/** `api (as db), web (as database)`. */
function users(usedBy: readonly ResourceUser[]): string {
  return usedBy.map((user) => `${user.service} (as ${user.resource})`).join(', ');
}
