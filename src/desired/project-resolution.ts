/**
 * Resolving the services of a loaded project against its layers: for one (service, environment),
 * for a release's snapshot of a service, or for the whole project at once (`slipway validate`).
 */
import { InvalidInputError, PolicyViolationError, type InputIssue } from '../errors.js';
import type { Project } from '../inputs/index.js';
import { canonicalJson } from './hash.js';
import type { Origin, Precedence } from './merge.js';
import { resolveService, type ServiceResolution, type ServiceSource } from './resolve-service.js';
import type { Violation } from './constraints.js';
import { describeSpec, matchProvisioner } from '../provisioners/match.js';

/** The owner of a service as its definition names it. */
export function serviceOwner(written: unknown): string {
  const owner = (written as { owner?: unknown } | undefined)?.owner;
  return typeof owner === 'string' ? owner : 'the service owner';
}

/**
 * The service `name` of the project, or `written` (a release's snapshot) when given: positions
 * point into the project file (or, for a service of a Score file, into that file) when the
 * snapshot is what the files say now, else at the release.
 */
export function serviceSource(project: Project, name: string, snapshot?: { written: unknown; release: string }): ServiceSource {
  const current = (project.source.written as { services?: Record<string, unknown> }).services?.[name];
  const written = snapshot ? snapshot.written : current;
  const owner = serviceOwner(written);
  const inFile = !snapshot || canonicalJson(snapshot.written) === canonicalJson(current);
  const score = project.scoreOrigins?.[name];
  const origin = (path: readonly string[], precedence: Precedence): Origin => {
    if (!inFile) return { kind: 'release', release: snapshot!.release, owner, precedence };
    if (score) {
      // A Score service: the value's own line in its Score file, or Slipway's default where the file set none.
      const position = score.positionOf(path);
      return position ? { kind: 'file', ...position, owner, precedence } : { kind: 'built-in' };
    }
    const { file, line, column } = project.source.locate(['services', name, ...path]);
    return { kind: 'file', file, line, column, owner, precedence };
  };
  return { name, written, owner, origin };
}

/** The targets of an environment with their runtimes, for constraints on where services run. */
function environmentTargets(project: Project, environment: string) {
  return (project.spec.environments[environment]?.targets ?? []).map((name) => {
    const { file, line, column } = project.source.locate(['targets', name, 'runtime']);
    const origin: Origin = { kind: 'file', file, line, column, owner: 'the project', precedence: 'service' };
    return { name, runtime: project.spec.targets[name]?.runtime ?? 'unknown', origin };
  });
}

/** Resolves one service (or a release's snapshot of it) for one environment. See `resolveService`. */
export function resolveProjectService(project: Project, service: string, environment: string, snapshot?: { written: unknown; release: string }): ServiceResolution {
  return resolveService({
    service: serviceSource(project, service, snapshot),
    environment,
    layers: project.layers,
    targets: environmentTargets(project, environment),
  });
}

/** As `resolveProjectService`, and throws `PolicyViolationError` when the service breaks a constraint. */
export function compliantService(project: Project, service: string, environment: string, snapshot?: { written: unknown; release: string }): ServiceResolution {
  const resolution = resolveProjectService(project, service, environment, snapshot);
  if (resolution.violations.length > 0) throw new PolicyViolationError(resolution.violations);
  return resolution;
}

/**
 * Every service in every environment. Throws `InvalidInputError` with all merge problems and every
 * resource no provisioner of the layers matches (positioned at the resource's `type`), then
 * `PolicyViolationError` with all violations; returns the resolutions when everything complies.
 */
export function checkProject(project: Project): ServiceResolution[] {
  const issues: InputIssue[] = [];
  const violations: Violation[] = [];
  const resolutions: ServiceResolution[] = [];
  for (const service of Object.keys(project.spec.services)) {
    for (const environment of Object.keys(project.spec.environments)) {
      try {
        const resolution = resolveProjectService(project, service, environment);
        resolutions.push(resolution);
        violations.push(...resolution.violations);
        issues.push(...unmatchedResources(project, resolution));
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        issues.push(...error.issues);
      }
    }
  }
  if (issues.length > 0) throw new InvalidInputError([...new Map(issues.map((i) => [JSON.stringify(i), i])).values()]);
  if (violations.length > 0) throw new PolicyViolationError(violations);
  return resolutions;
}

/**
 * An issue for each resource `resolution` asks for that no provisioner of the project's layers
 * matches (deploying it would fail), at the position of its `type`, naming the provisioners there are.
 */
export function unmatchedResources(project: Project, resolution: ServiceResolution): InputIssue[] {
  const provisioners = project.layers.flatMap((layer) => layer.value.provisioners);
  return Object.entries(resolution.spec.resources).flatMap(([name, request]) => {
    if (matchProvisioner(request, provisioners)) return [];
    const origin = resolution.origins.get(`resources.${name}.type`);
    const position = origin?.kind === 'file' ? { file: origin.file, line: origin.line, column: origin.column } : { ...project.source.locate(['services', resolution.service]) };
    const asked = `type ${request.type}${request.class === undefined ? '' : `, class ${request.class}`}${request.id === undefined ? '' : `, id ${request.id}`}`;
    const available = provisioners.length === 0 ? 'the layers define no provisioners' : `the layers' provisioners are ${provisioners.map(describeSpec).join(', ')}`;
    const message = `no provisioner matches resource "${name}" (${asked}); ${available}: add one for type ${request.type} to a platform layer's provisioners`;
    return [{ ...position, path: `services.${resolution.service}.resources.${name}.type`, message }];
  });
}
