/**
 * A Backstage catalog entity of kind `Component` (`backstage.io/v1alpha1`), as Backstage checks
 * it: names, required `spec.type`, `spec.lifecycle` and `spec.owner`; the relations Slipway reads
 * (`system`, `dependsOn`, `providesApis`, `consumesApis`) as entity references. `metadata` and
 * `spec` may hold keys Slipway does not read (links, subcomponentOf, …); they are kept, not refused.
 */
import { z } from 'zod';

/** A Backstage entity name: letters, digits and single `-`, `_` or `.` between them, up to 63. */
const EntityName = z.string().max(63).regex(/^[a-zA-Z0-9]([-_.]?[a-zA-Z0-9])*$/, 'an entity name of letters and digits, with single "-", "_" or "." between them');

/** A namespace, as Backstage checks it: lower-case letters and digits, with `-` between them, up to 63. */
const Namespace = z.string().max(63).regex(/^[a-z0-9]+(-+[a-z0-9]+)*$/, 'a namespace of lower-case letters and digits, with "-" between them');

/** An entity reference: `[kind:][namespace/]name`, e.g. `group:default/payments`. */
const EntityRef = z.string().regex(/^([A-Za-z][A-Za-z0-9]*:)?([a-z0-9][a-z0-9-._]*\/)?[A-Za-z0-9][A-Za-z0-9-._]*$/, 'an entity reference such as group:default/payments');

/** The `default` namespace, where an entity without `metadata.namespace` lives. */
export const DEFAULT_NAMESPACE = 'default';

export const ComponentEntity = z.strictObject({
  apiVersion: z.enum(['backstage.io/v1alpha1', 'backstage.io/v1beta1']),
  /** Backstage reads kinds case-insensitively. */
  kind: z.string().regex(/^component$/i, '"Component"'),
  metadata: z.looseObject({
    name: EntityName,
    namespace: Namespace.optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    tags: z.array(z.string()).optional(),
  }),
  spec: z.looseObject({
    type: z.string().min(1),
    lifecycle: z.string().min(1),
    owner: EntityRef,
    system: EntityRef.optional(),
    dependsOn: z.array(EntityRef).optional(),
    providesApis: z.array(EntityRef).optional(),
    consumesApis: z.array(EntityRef).optional(),
  }),
  relations: z.array(z.unknown()).optional(),
  status: z.unknown().optional(),
});
export type ComponentEntity = z.infer<typeof ComponentEntity>;

/** A `Resource` entity, read only for what a Component's `dependsOn` asks of it: its name, namespace and `spec.type`. */
export const ResourceEntity = z.looseObject({
  kind: z.string().regex(/^resource$/i),
  metadata: z.looseObject({ name: EntityName, namespace: Namespace.optional() }),
  spec: z.looseObject({ type: z.string().min(1) }),
});
export type ResourceEntity = z.infer<typeof ResourceEntity>;
