/**
 * From the services' resource requests to the resources one environment needs. Pure: the
 * provisioners' `prepare` hooks check params from data only.
 */
import { canonicalJson, stableHash } from '../desired/hash.js';
import { errorMessage } from '../errors.js';
import type { ResourceRequest } from '../inputs/schema.js';
import type { ResourceUser } from '../store/types.js';
import { ResourceRequestError } from './errors.js';
import { DEFAULT_CLASS, describeSpec, matchProvisioner } from './match.js';
import type { ProvisionerSpec } from './schema.js';
import { paramsDependencies, resolveParams } from './placeholders.js';
import type { Provisioner, ProvisionerRegistry, RequestedResource, WorkloadAddress } from './types.js';

export interface ResourceRequestsInput {
  readonly environment: string;
  /**
   * Every service of the project, not only the one being deployed: sharing and deletion are
   * decided over all of them.
   */
  readonly services: Readonly<Record<string, { readonly resources: Readonly<Record<string, ResourceRequest>> }>>;
  /** The platform layer's provisioner definitions. */
  readonly provisioners: readonly ProvisionerSpec[];
  /** Addresses of the environment's workloads, for `service` resources. */
  readonly workloads: readonly WorkloadAddress[];
  /** Only `prepare` is called. */
  readonly registry: ProvisionerRegistry;
  /**
   * The outputs recorded for the environment's resources, by uid (secret outputs as `secret:`
   * references): what `${resources.<name>.<output>}` in params resolve to.
   */
  readonly recorded?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The uid of a request: `type#class#id` when it has an id (shared), else `service.resource`. */
export function resourceUid(service: string, resource: string, request: Pick<ResourceRequest, 'type' | 'class' | 'id'>): string {
  return request.id === undefined ? `${service}.${resource}` : `${request.type}#${request.class ?? DEFAULT_CLASS}#${request.id}`;
}

/**
 * The resources the environment needs, by uid: requests with the same type, class and id become
 * one resource used by all of them. Params are resolved first: `${resources.<name>.<output>}` from
 * the recorded outputs of the service's resource `<name>` (which the resource then `dependsOn`), `$$`
 * undone; a request whose params need a resource not recorded yet `waitsFor` it, its params as
 * written. Throws `ResourceRequestError` listing every request that no provisioner matches (with
 * the available ones), whose params are invalid or name outputs that do not exist, whose params
 * depend on each other in a cycle, or that shares a resource with a request of other params.
 */
export function requestResources(input: ResourceRequestsInput): RequestedResource[] {
  const problems: string[] = [];
  const byUid = new Map<string, { resource: Omit<RequestedResource, 'usedBy'>; usedBy: ResourceUser[] }>();
  for (const service of Object.keys(input.services).sort()) {
    const requests = input.services[service]!.resources;
    for (const name of Object.keys(requests).sort()) {
      const request = requests[name]!;
      const where = `service ${service} asks for resource "${name}" (type ${request.type}${request.class === undefined ? '' : `, class ${request.class}`}${request.id === undefined ? '' : `, id ${request.id}`})`;
      const spec = matchProvisioner(request, input.provisioners);
      if (!spec) {
        const available = input.provisioners.map(describeSpec).join(', ') || 'none';
        problems.push(`${where}, and no provisioner matches it; available provisioners: ${available}`);
        continue;
      }
      const given = request.params ?? {};
      const needs = paramsDependencies(given);
      const unknown = needs.filter((other) => !Object.hasOwn(requests, other));
      if (unknown.length > 0) {
        problems.push(`${where}: its params use outputs of ${unknown.map((u) => `"${u}"`).join(', ')}, which the service does not ask for (it has ${Object.keys(requests).sort().join(', ')})`);
        continue;
      }
      const dependsOn = needs.map((other) => resourceUid(service, other, requests[other]!));
      const waitsFor = dependsOn.filter((uid) => input.recorded?.[uid] === undefined);
      let params: Record<string, unknown>;
      if (waitsFor.length > 0) params = { ...given };
      else {
        const resolved = resolveParams(given, Object.fromEntries(needs.map((other, index) => [other, input.recorded![dependsOn[index]!]!])));
        if ('problems' in resolved) {
          problems.push(...resolved.problems.map((problem) => `${where}: ${problem}`));
          continue;
        }
        try {
          const provisioner = input.registry[spec.provisioner] as Provisioner<ProvisionerSpec>;
          params = provisioner.prepare({ environment: input.environment, service, resource: name, id: request.id ?? null, params: resolved.params, spec, workloads: input.workloads });
        } catch (error) {
          problems.push(`${where}: ${errorMessage(error)}`);
          continue;
        }
      }
      const uid = resourceUid(service, name, request);
      const resource = {
        environment: input.environment,
        uid,
        type: request.type,
        class: request.class ?? null,
        id: request.id ?? null,
        spec,
        params,
        paramsHash: stableHash({ spec, params }),
        ...(dependsOn.length > 0 && { dependsOn }),
        ...(waitsFor.length > 0 && { waitsFor }),
      };
      const known = byUid.get(uid);
      if (!known) byUid.set(uid, { resource, usedBy: [{ service, resource: name }] });
      else if (known.resource.paramsHash !== resource.paramsHash) {
        const first = known.usedBy[0]!;
        problems.push(
          `${where} with params ${canonicalJson(params)}, but service ${first.service} asks for the same shared resource ${uid} ` +
            `(as "${first.resource}") with ${canonicalJson(known.resource.params)}, or another provisioner; shared requests must agree`,
        );
      } else known.usedBy.push({ service, resource: name });
    }
  }
  problems.push(...cycles([...byUid.values()].map(({ resource }) => resource)));
  if (problems.length > 0) throw new ResourceRequestError(problems);
  return [...byUid.values()].map(({ resource, usedBy }) => ({ ...resource, usedBy })).sort((a, b) => compare(a.uid, b.uid));
}

/** Code-unit order, the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One problem for each cycle of resources whose params use each other's outputs: none of them could be provisioned first. */
function cycles(resources: readonly Pick<RequestedResource, 'uid' | 'dependsOn'>[]): string[] {
  const edges = new Map(resources.map((resource) => [resource.uid, resource.dependsOn ?? []]));
  const done = new Set<string>();
  const found: string[] = [];
  const visit = (uid: string, trail: readonly string[]): void => {
    const start = trail.indexOf(uid);
    if (start >= 0) return void found.push(`resources ${[...trail.slice(start), uid].join(' → ')} use each other's outputs in their params; none can be provisioned first`);
    if (done.has(uid)) return;
    for (const next of edges.get(uid) ?? []) visit(next, [...trail, uid]);
    done.add(uid);
  };
  for (const uid of [...edges.keys()].sort(compare)) visit(uid, []);
  return found;
}
