/**
 * Planning changes to provisioned resources: what the services need against what is recorded.
 * Pure: no I/O, no clock; the same input gives the same plan.
 */
import type { ResourceRecord, ResourceUser } from '../store/types.js';
import { compare } from './requests.js';
import type { RequestedResource, ResourcePlan, ResourceStep } from './types.js';

/**
 * Steps that bring `recorded` (one environment's records) to `requested`: `create` for a resource
 * not recorded, `update` for one whose provisioner, params or users changed, `delete` for a
 * record no service asks for any more. Unchanged resources make no step.
 */
export function planResources(requested: readonly RequestedResource[], recorded: readonly ResourceRecord[]): ResourcePlan {
  const records = new Map(recorded.map((record) => [record.uid, record]));
  const wanted = new Set(requested.map((resource) => resource.uid));
  const steps: ResourceStep[] = [];
  for (const resource of [...requested].sort((a, b) => compare(a.uid, b.uid))) {
    const record = records.get(resource.uid);
    if (!record) {
      steps.push({ kind: 'create', resource, reason: `${users(resource.usedBy)} asks for it; it is not provisioned yet` });
      continue;
    }
    const reason = updateReason(resource, record);
    if (reason) steps.push({ kind: 'update', resource, recorded: record, reason });
  }
  for (const record of [...recorded].sort((a, b) => compare(a.uid, b.uid))) {
    if (!wanted.has(record.uid)) steps.push({ kind: 'delete', recorded: record, reason: `no service asks for it any more (it was used by ${users(record.usedBy)})` });
  }
  return { steps };
}

/** The plan without its `delete` steps: what a deploy applies (deleting needs the user's say-so). */
export function withoutDeletes(plan: ResourcePlan): ResourcePlan {
  return { steps: plan.steps.filter((step) => step.kind !== 'delete') };
}

/** One line per step, `create postgres#default#main: <reason>`, for `slipway preview`. */
export function formatResourcePlan(plan: ResourcePlan): string[] {
  return plan.steps.map((step) => `${step.kind} ${step.kind === 'delete' ? step.recorded.uid : step.resource.uid}: ${step.reason}`);
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
