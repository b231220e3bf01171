/**
 * `slipway preview`: the plan that deploying the project file as it is now into an environment
 * would carry out, the way `terraform plan` shows one. Records nothing.
 */
import { resolveProjectService, unmatchedResources } from '../desired/index.js';
import type { Release } from '../desired/types.js';
import { InvalidInputError } from '../errors.js';
import { plan, type Plan } from '../planner/index.js';
import { candidateRelease, writtenService } from './releases.js';
import { environmentTargets, recentUnits, unitsOf } from './units.js';
import type { Workspace } from './workspace.js';

/** The first environment: the first one declared that promotes from none. */
export function firstEnvironment(ws: Workspace): string {
  const [name] = Object.entries(ws.project.spec.environments).find(([, env]) => env.promotesFrom.length === 0) ?? [];
  return name ?? Object.keys(ws.project.spec.environments)[0]!;
}

/**
 * The plan for every service of the project (or only `service`) into `environment` (the first one
 * by default). Throws `InvalidInputError` when a service asks for a resource no provisioner
 * matches, as deploying it would fail.
 */
export async function preview(ws: Workspace, environment: string = firstEnvironment(ws), service?: string): Promise<Plan> {
  environmentTargets(ws, environment);
  const names = service === undefined ? Object.keys(ws.project.spec.services) : [service];
  const unmatched = names
    .filter((name) => Object.keys(ws.project.spec.services[name]?.resources ?? {}).length > 0)
    .flatMap((name) => unmatchedResources(ws.project, resolveProjectService(ws.project, name, environment)));
  if (unmatched.length > 0) throw new InvalidInputError(unmatched);
  const desired = [];
  for (const name of names) {
    const candidate = await candidateRelease(ws, name);
    const release: Release = candidate.existing ?? {
      id: `new:${candidate.specHash}`,
      version: '(new release)',
      service: name,
      artifactDigest: candidate.artifactDigest,
      specHash: candidate.specHash,
      spec: writtenService(ws, name),
      createdAt: new Date(0),
      createdBy: 'preview',
    };
    desired.push(...unitsOf(ws, release, environment));
  }
  const observed = await recentUnits(ws, { environment, ...(service !== undefined && { service }) });
  return plan({ units: desired }, { units: observed });
}
