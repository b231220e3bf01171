/**
 * `slipway onboard`: a Component's addition (`inputs/catalog/`), checked against the project's own
 * layers before anything is written, so `onboard` never says "added" of a service that every
 * deployment would refuse.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveProjectService, unmatchedResources, type Violation } from '../desired/index.js';
import { PolicyViolationError } from '../errors.js';
import { loadProject, onboardService, type Onboarding } from '../inputs/index.js';

/**
 * The onboarding of `catalogFile` into `projectFile` (see `onboardService`), with a note for each
 * resource no provisioner of the layers serves yet. Writes nothing. Throws `PolicyViolationError`
 * when the service would break a constraint of the layers in any environment, each violation with
 * what to add to the Component (or to the service by hand) to comply; with `dryRun` the
 * violations are notes instead, so the addition can be seen and completed by hand.
 */
export async function checkedOnboarding(catalogFile: string, projectFile: string, options: { readonly component?: string; readonly dryRun?: boolean } = {}): Promise<Onboarding> {
  const onboarding = await onboardService(catalogFile, projectFile, options);
  const file = resolve(projectFile);
  const project = await loadProject(file, (path) => (path === file ? Promise.resolve(onboarding.updatedText) : readFile(path, 'utf8')));
  const resolutions = Object.keys(project.spec.environments).map((environment) => resolveProjectService(project, onboarding.name, environment));
  const violations = resolutions.flatMap((resolution) => resolution.violations);
  const refusals = violations.map((violation) => ({ ...violation, message: `${violation.message}; ${remedy(violation, onboarding)}` }));
  if (refusals.length > 0 && !options.dryRun) throw new PolicyViolationError(refusals);
  const unserved = new Set(resolutions.flatMap((resolution) => unmatchedResources(project, resolution).map((issue) => issue.message)));
  const notes = [
    ...refusals.map((refusal) => `the project's policy would refuse this: ${refusal.message}`),
    ...[...unserved].map((message) => `${message} (until then deployments of ${onboarding.name} fail, and validate says so)`),
  ];
  return { ...onboarding, notes: [...onboarding.notes, ...notes] };
}

/** What makes the onboarded service comply: an annotation of the Component where one exists, else the field to set by hand. */
function remedy(violation: Violation, onboarding: Onboarding): string {
  if (violation.path === 'workload.readinessProbe') {
    return `add the annotations slipway.dev/port and slipway.dev/health-path (the readiness probe's path, such as /healthz) to the Component at ${onboarding.annotationsAt}, then onboard again`;
  }
  return `onboard with --dry-run to see the service, then add it to the project file by hand with ${violation.path} set`;
}
