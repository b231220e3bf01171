/**
 * Checks that need the whole project file: names that must refer to something declared, an
 * environment graph without cycles that has a place to start, and workloads that the runtimes of
 * their targets can honour. Pure; runs after the schema passed.
 */
import { runtimeModule } from '../runtimes/registry.js';
import type { WorkloadRefusal } from '../runtimes/types.js';
import type { ProjectFile, Service, Sidecar, Workload } from './schema.js';
import type { Problem } from './yaml-source.js';
import { unknownName } from './suggest.js';

/** Every cross-reference problem of a schema-valid project file; empty when all names resolve. */
export function crossReferenceProblems(project: ProjectFile): Problem[] {
  return [...environmentProblems(project), ...promotionCycles(project), ...serviceProblems(project)];
}

function environmentProblems(project: ProjectFile): Problem[] {
  const targets = Object.keys(project.targets);
  const environments = Object.keys(project.environments);
  const problems: Problem[] = [];
  for (const [name, environment] of Object.entries(project.environments)) {
    environment.targets.forEach((target, index) => {
      if (!targets.includes(target)) problems.push({ path: ['environments', name, 'targets', index], message: unknownName('target', target, targets) });
    });
    environment.promotesFrom.forEach((source, index) => {
      if (!environments.includes(source)) {
        problems.push({ path: ['environments', name, 'promotesFrom', index], message: unknownName('environment', source, environments) });
      }
    });
  }
  if (environments.length > 0 && !Object.values(project.environments).some((environment) => environment.promotesFrom.length === 0)) {
    problems.push({ path: ['environments'], at: 'key', message: 'no first environment: expected at least one environment with an empty promotesFrom' });
  }
  return problems;
}

/** One problem per distinct cycle in `promotesFrom`, on the entry that closes it, in promotion order: `dev → staging → dev`. */
function promotionCycles(project: ProjectFile): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, trail: readonly string[]): void => {
    if (done.has(name)) return;
    const sources = project.environments[name]?.promotesFrom ?? [];
    sources.forEach((source, index) => {
      const start = trail.indexOf(source);
      if (source === name || start >= 0) {
        const cycle = (source === name ? [name] : [...trail.slice(start), name]).reverse();
        const key = [...cycle].sort().join(' ');
        if (reported.has(key)) return;
        reported.add(key);
        problems.push({ path: ['environments', name, 'promotesFrom', index], message: `promotion cycle: ${[...cycle, cycle[0]].join(' → ')}` });
      } else {
        visit(source, [...trail, name]);
      }
    });
    done.add(name);
  };
  for (const name of Object.keys(project.environments)) visit(name, []);
  return problems;
}

function serviceProblems(project: ProjectFile): Problem[] {
  const environments = Object.keys(project.environments);
  const problems: Problem[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    for (const environment of Object.keys(service.environments)) {
      if (!environments.includes(environment)) problems.push({ path: ['services', name, 'environments', environment], at: 'key', message: unknownName('environment', environment, environments) });
    }
    const ports = Object.keys(service.workload.ports);
    const containers: [string[], Pick<Workload, 'readinessProbe' | 'livenessProbe'>][] = [[[], service.workload], ...Object.entries(service.workload.sidecars ?? {}).map(([sidecar, c]): [string[], Sidecar] => [['sidecars', sidecar], c])];
    for (const [at, container] of containers) {
      for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
        const given = container[probe];
        const port = given && 'httpGet' in given ? given.httpGet.port : undefined;
        if (typeof port === 'string' && !ports.includes(port)) {
          problems.push({ path: ['services', name, 'workload', ...at, probe, 'httpGet', 'port'], message: unknownName('port', port, ports) });
        }
      }
    }
    for (const refusal of runtimeRefusals(asBuilt(service), project)) problems.push({ ...refusal, path: ['services', name, 'workload', ...refusal.path] });
  }
  return problems;
}

/**
 * The workload as its runtimes will be given it: one that leaves its image to its source's image
 * build (`source.build` without `commands`) runs the image the build makes. Pure.
 */
export function asBuilt(service: Pick<Service, 'workload' | 'source'>): Workload {
  const built = service.workload.image === undefined && service.source !== undefined && service.source.build.commands === undefined;
  return built ? { ...service.workload, image: `built from ${service.source!.repository}` } : service.workload;
}

/**
 * What of `workload` no runtime of the project's environments' targets can honour, when none can
 * run it: each problem names the runtime and its targets (a target no environment uses runs
 * nothing). A workload that some of those runtimes run is refused for the others' targets only,
 * when it is resolved for them ({@link refusalsOn}). Pure.
 */
export function runtimeRefusals(workload: Workload, project: Pick<ProjectFile, 'environments' | 'targets'>): WorkloadRefusal[] {
  const used = new Set(Object.values(project.environments).flatMap((environment) => environment.targets));
  const byKind = new Map<string, string[]>();
  for (const target of used) {
    const kind = project.targets[target]?.runtime;
    if (kind) byKind.set(kind, [...(byKind.get(kind) ?? []), target]);
  }
  const refused = [...byKind].map(([kind, targets]) => refusalsOn(workload, kind, targets));
  return refused.some((refusals) => refusals.length === 0) ? [] : refused.flat();
}

/** What the `kind` runtime cannot honour of `workload`, each problem naming the runtime and `targets`. Pure. */
export function refusalsOn(workload: Workload, kind: string, targets: readonly string[]): WorkloadRefusal[] {
  return (runtimeModule(kind)?.refuses?.(workload) ?? []).map((refusal) => ({
    ...refusal,
    message: `the ${kind} runtime (target${targets.length > 1 ? 's' : ''} ${targets.join(', ')}) cannot honour this: ${refusal.message}`,
  }));
}
