/**
 * The order in which the containers of one replica start, as Score's `before` gives it: pure
 * decisions shared by the Score conversion, the workload schema and the container runtime.
 *
 * `a.before.b = { ready }` says that `b` starts only once `a` is `started` (it runs), `healthy`
 * (its readiness probe passes; without one, as started) or `complete` (it exited with status 0).
 * A container that another awaits as `complete` is a step: it runs to completion; every other one
 * keeps running.
 */
import { unknownName } from './suggest.js';

/** How far a container must get before those it is `before` start, weakest first. */
export const READINESS = ['started', 'healthy', 'complete'] as const;
export type Readiness = (typeof READINESS)[number];

/** A container as ordering sees it. An empty `name` is a container nothing can name (a workload's own, unnamed). */
export interface OrderedContainer {
  readonly name: string;
  /** The containers that start only once this one has reached `ready`, by name. */
  readonly before?: Readonly<Record<string, { readonly ready: Readiness }>>;
}

/** A `before` entry that cannot be honoured: the container that declares it, its key, and why. */
export interface OrderProblem {
  readonly container: string;
  readonly key: string;
  readonly message: string;
}

/**
 * Every `before` entry that names no other container of `containers` (an unknown one, or the
 * container itself), and one problem per distinct cycle, on the entry that closes it, told in
 * start order: `start order cycle: a → b → a`. Empty when the containers can be ordered. Pure.
 */
export function orderProblems(containers: readonly OrderedContainer[]): OrderProblem[] {
  const names = containers.map((c) => c.name).filter((name) => name !== '');
  const problems: OrderProblem[] = [];
  for (const { name, before } of containers) {
    for (const key of Object.keys(before ?? {})) {
      if (key === name) problems.push({ container: name, key, message: 'a container cannot start before itself; name another container of this workload' });
      else if (!names.includes(key)) problems.push({ container: name, key, message: unknownName('container', key, names.filter((other) => other !== name)) });
    }
  }
  const next = successors(containers);
  const reported = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, trail: readonly string[]): void => {
    if (done.has(name)) return;
    for (const key of next.get(name) ?? []) {
      const start = trail.indexOf(key);
      if (start >= 0) {
        const cycle = [...trail.slice(start), name];
        const id = [...cycle].sort().join(' ');
        if (reported.has(id)) continue;
        reported.add(id);
        problems.push({ container: name, key, message: `start order cycle: ${[...cycle, key].join(' → ')} (each must start before the next)` });
      } else {
        visit(key, [...trail, name]);
      }
    }
    done.add(name);
  };
  for (const { name } of containers) visit(name, []);
  return problems;
}

/** Of each container, the containers it is `before` that exist (not itself), in its order. */
function successors(containers: readonly OrderedContainer[]): Map<string, string[]> {
  const names = new Set(containers.map((c) => c.name).filter((name) => name !== ''));
  return new Map(containers.map((c) => [c.name, Object.keys(c.before ?? {}).filter((key) => key !== c.name && names.has(key))]));
}

/**
 * Of each container that another awaits, the most any of them awaits (`complete` over `healthy`
 * over `started`): reaching it satisfies every one of them. A container absent from the map is
 * awaited by none. Pure.
 */
export function awaited(containers: readonly OrderedContainer[]): Map<string, Readiness> {
  const most = new Map<string, Readiness>();
  for (const { name, before } of containers) {
    for (const { ready } of Object.values(before ?? {})) {
      const known = most.get(name);
      if (known === undefined || READINESS.indexOf(ready) > READINESS.indexOf(known)) most.set(name, ready);
    }
  }
  return most;
}

/** True when another container awaits `name` as `complete`: it runs to completion. Pure. */
export function isStep(containers: readonly OrderedContainer[], name: string): boolean {
  return awaited(containers).get(name) === 'complete';
}

/**
 * The order in which the containers start: each after every container that is `before` it. Among
 * those free to start, `lead` comes first; while it has not started, only the containers it waits
 * for (directly or through others) do; then the others, in the given order. Without `lead`, a
 * topological order whose ties keep the given order. Undefined when the containers form a cycle
 * (`orderProblems` tells it); entries naming no container are ignored. Pure.
 */
export function startOrder(containers: readonly OrderedContainer[], lead?: string): string[] | undefined {
  const next = successors(containers);
  const waitsFor = new Map<string, Set<string>>(containers.map((c) => [c.name, new Set()]));
  for (const [name, keys] of next) for (const key of keys) waitsFor.get(key)?.add(name);
  const ancestors = new Set<string>();
  const climb = (name: string): void => {
    for (const earlier of waitsFor.get(name) ?? []) {
      if (ancestors.has(earlier)) continue;
      ancestors.add(earlier);
      climb(earlier);
    }
  };
  if (lead !== undefined) climb(lead);
  const order: string[] = [];
  const placed = new Set<string>();
  const free = (name: string) => !placed.has(name) && [...(waitsFor.get(name) ?? [])].every((earlier) => placed.has(earlier));
  while (order.length < containers.length) {
    const candidates = containers.map((c) => c.name).filter(free);
    const leadStarted = lead === undefined || placed.has(lead);
    const chosen = leadStarted ? candidates[0] : candidates.includes(lead) ? lead : (candidates.find((name) => ancestors.has(name)) ?? candidates[0]);
    if (chosen === undefined) return undefined;
    order.push(chosen);
    placed.add(chosen);
  }
  return order;
}

/**
 * The container that starts first among those that keep running (are no step), in the
 * topological order that keeps the given order for ties; undefined when they form a cycle. One
 * always exists otherwise: the last container of that order awaits nothing of anyone. Pure.
 */
export function firstKeptRunning(containers: readonly OrderedContainer[]): string | undefined {
  const steps = new Set([...awaited(containers)].filter(([, ready]) => ready === 'complete').map(([name]) => name));
  return startOrder(containers)?.find((name) => !steps.has(name));
}
