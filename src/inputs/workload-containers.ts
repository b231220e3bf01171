/**
 * The containers of a workload, one list for every rule that looks at each of them. Pure; imports
 * only types, so runtime modules may use it without loading the project schema.
 */
import type { Sidecar, Workload } from './schema.js';
import type { OrderedContainer } from './start-order.js';

/** Each container of a workload with its path in the workload: its own (`[]`), then its sidecars (`['sidecars', name]`). */
export function containersOf(workload: Workload): [readonly PropertyKey[], Workload | Sidecar][] {
  return [[[], workload], ...Object.entries(workload.sidecars ?? {}).map(([name, sidecar]): [readonly PropertyKey[], Sidecar] => [['sidecars', name], sidecar])];
}

/** What ordering reads of a workload, as written or resolved. */
export interface OrderedWorkload {
  readonly container?: string;
  readonly before?: OrderedContainer['before'];
  readonly sidecars?: Readonly<Record<string, { readonly before?: OrderedContainer['before'] }>>;
}

/**
 * The containers of a workload as `start-order.ts` orders them: its own first (named by
 * `container`, else unnamed: ''), then its sidecars in their order.
 */
export function workloadContainers(workload: OrderedWorkload): OrderedContainer[] {
  return [{ name: workload.container ?? '', before: workload.before }, ...Object.entries(workload.sidecars ?? {}).map(([name, sidecar]) => ({ name, before: sidecar.before }))];
}
