/**
 * `slipway preview`: the plan that deploying the project file as it is now into an environment
 * would carry out, the way `terraform plan` shows one. Records nothing.
 */
import type { Release } from '../desired/types.js';
import { plan, type Plan } from '../planner/index.js';
import { candidateRelease, writtenService } from './releases.js';
import { environmentTargets, observeUnits, unitsOf } from './units.js';
import type { Workspace } from './workspace.js';

/** The first environment: the first one declared that promotes from none. */
export function firstEnvironment(ws: Workspace): string {
  const [name] = Object.entries(ws.project.spec.environments).find(([, env]) => env.promotesFrom.length === 0) ?? [];
  return name ?? Object.keys(ws.project.spec.environments)[0]!;
}

/** The plan for every service of the project into `environment` (the first one by default). */
export async function preview(ws: Workspace, environment: string = firstEnvironment(ws)): Promise<Plan> {
  environmentTargets(ws, environment);
  const desired = [];
  for (const service of Object.keys(ws.project.spec.services)) {
    const candidate = await candidateRelease(ws, service);
    const release: Release = candidate.existing ?? {
      id: `new:${candidate.specHash}`,
      version: '(new release)',
      service,
      artifactDigest: candidate.artifactDigest,
      specHash: candidate.specHash,
      spec: writtenService(ws, service),
      createdAt: new Date(0),
      createdBy: 'preview',
    };
    desired.push(...unitsOf(ws, release, environment));
  }
  const observed = await observeUnits(ws, { environment });
  return plan({ units: desired }, { units: observed });
}
