/**
 * A Component's place among other catalog entities: its reference and service name (namespaces
 * kept apart), and what its `spec.dependsOn` asks for: other services, and resources Slipway can
 * provision. Pure.
 */
import { Name } from '../name.js';
import type { ResourceRequest } from '../schema.js';
import { DEFAULT_NAMESPACE, type ResourceEntity } from './schema.js';

/** An entity reference taken apart, the kind in lower case (Backstage reads kinds case-insensitively). */
export interface EntityRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * `[kind:][namespace/]name` taken apart; the kind defaults to `defaultKind`, the namespace to
 * `defaultNamespace` (Backstage's rule for relations: the referring entity's namespace). Undefined when malformed.
 */
export function parseEntityRef(ref: string, defaults: { readonly kind: string; readonly namespace: string }): EntityRef | undefined {
  const match = /^(?:([A-Za-z][A-Za-z0-9]*):)?(?:([A-Za-z0-9][A-Za-z0-9-._]*)\/)?([A-Za-z0-9][A-Za-z0-9-._]*)$/.exec(ref.trim());
  if (!match) return undefined;
  return { kind: (match[1] ?? defaults.kind).toLowerCase(), namespace: match[2] ?? defaults.namespace, name: match[3]! };
}

/** `component:<namespace>/<name>`: the full reference of a Component. */
export function componentRef(namespace: string | undefined, name: string): string {
  return `component:${namespace ?? DEFAULT_NAMESPACE}/${name}`;
}

/**
 * The Slipway name of an entity: its name in the default namespace, `<namespace>-<name>` in
 * another, so `default/web` and `shop/web` never collide. May break the `Name` rule (upper-case letters, `_`, `.`).
 */
export function slipwayName(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === DEFAULT_NAMESPACE ? name : `${namespace}-${name}`;
}

/** Backstage resource types (`spec.type`) and the Score resource type each is provisioned as. Others are not guessed. */
export const RESOURCE_TYPES: Readonly<Record<string, string>> = {
  database: 'postgres',
  postgres: 'postgres',
  postgresql: 'postgres',
  cache: 'redis',
  redis: 'redis',
};

/** What `spec.dependsOn` becomes: services to wait for, resources to request, and notes on what was left out. */
export interface Dependencies {
  readonly services: readonly string[];
  readonly resources: Readonly<Record<string, ResourceRequest>>;
  readonly notes: readonly string[];
}

/**
 * The Component's `dependsOn` (references already checked by the entity schema) read against the
 * `Resource` entities of its catalog file: a component becomes the service it would be onboarded
 * as; a resource whose `spec.type` is in `RESOURCE_TYPES` a request of that type, with the
 * resource's name as `id` so every service depending on it shares one; anything else a note.
 */
export function dependenciesOf(dependsOn: readonly string[], namespace: string, resources: readonly ResourceEntity[]): Dependencies {
  const services: string[] = [];
  const requests: Record<string, ResourceRequest> = {};
  const notes: string[] = [];
  for (const text of dependsOn) {
    const ref = parseEntityRef(text, { kind: 'component', namespace });
    const service = ref && slipwayName(ref.namespace, ref.name);
    if (ref?.kind === 'component' && Name.safeParse(service).success) services.push(service!);
    else if (ref?.kind === 'resource') {
      const request = resourceRequest(ref, resources);
      if (typeof request === 'string') notes.push(`dependsOn ${text}: ${request}`);
      else requests[request.name] = request.request;
    } else {
      const other = ref ? `only components and resources become dependencies, not kind ${ref.kind}` : 'a malformed reference';
      const why = ref?.kind === 'component' ? `"${service}" is no Slipway service name` : other;
      notes.push(`dependsOn ${text}: ${why}; left out`);
    }
  }
  return { services, resources: requests, notes };
}

function resourceRequest(ref: EntityRef, resources: readonly ResourceEntity[]): { name: string; request: ResourceRequest } | string {
  const found = resources.find((r) => (r.metadata.namespace ?? DEFAULT_NAMESPACE) === ref.namespace && r.metadata.name.toLowerCase() === ref.name.toLowerCase());
  const name = slipwayName(ref.namespace, ref.name);
  if (!found) return `the Resource is not in this catalog file, so its type is unknown; add it under the service's resources: by hand`;
  const type = RESOURCE_TYPES[found.spec.type.toLowerCase()];
  const known = Object.keys(RESOURCE_TYPES).join(', ');
  if (type === undefined) return `Slipway provisions no resource of type "${found.spec.type}" (it knows ${known}); add it under the service's resources: by hand`;
  if (!Name.safeParse(name).success) return `"${name}" is no Slipway resource name; add it under the service's resources: by hand`;
  return { name, request: { type, id: name } };
}
