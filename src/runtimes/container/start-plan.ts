/**
 * How the containers of one replica start, in the order Score's `before` gives them, decided apart
 * from starting them (`container-runtime.ts` does that). Pure.
 *
 * The workload's own container owns the replica's network namespace and publishes its ports, so
 * it keeps running and starts first of the containers that keep running: the Score conversion makes
 * the first container that keeps running in start order the workload's own, and a project file
 * that orders them otherwise is refused (`orderRefusals`). Containers start in `startOrder` with
 * the workload's own as its lead, so that before it only the steps it waits for (directly or not)
 * run. Those run in a network of their own (the target's `network`): nothing of the replica runs
 * yet that they could reach on localhost, and they reach what they need (a database) by address.
 * Every container after it joins its network, steps included, as in a Kubernetes pod.
 *
 * A container another awaits is waited on, right after it started and before the next one starts,
 * until it reaches the most any of them awaits (`awaited`: `complete` over `healthy` over
 * `started`). Waiting in start order rather than per pair is simpler and never starts a container
 * early; an unrelated container may start a little later than it could have.
 */
import type { Workload } from '../../inputs/schema.js';
import { awaited, startOrder, type Readiness } from '../../inputs/start-order.js';
import { workloadContainers, type OrderedWorkload } from '../../inputs/workload-containers.js';
import type { WorkloadRefusal } from '../types.js';

/** One container of a replica's start, in start order. */
export interface Launch {
  /** The sidecar it runs; undefined: the workload's own container, which owns the network. */
  readonly sidecar?: string;
  /** It runs to completion, since another awaits it as `complete`: never restarted, and done once it exited with status 0. */
  readonly step: boolean;
  /** It joins the network of the workload's own container, started before it; false: a network of its own. */
  readonly joins: boolean;
  /** What it must reach before the next container starts; undefined: nothing waits on it. */
  readonly await?: Readiness;
}

/** The replica's containers in the order they start, as the module comment describes. */
export function startPlan(workload: OrderedWorkload): Launch[] {
  const containers = workloadContainers(workload);
  const own = containers[0]!.name;
  const most = awaited(containers);
  // A cycle is refused when the workload is loaded; the given order stands in for it.
  const order = startOrder(containers, own) ?? containers.map((c) => c.name);
  const ownAt = order.indexOf(own);
  return order.map((name, index) => {
    const ready = most.get(name);
    return { ...(index !== ownAt && { sidecar: name }), step: ready === 'complete', joins: index > ownAt, ...(ready && { await: ready }) };
  });
}

/** The names of the sidecars that are steps (run to completion). */
export function stepNames(workload: OrderedWorkload): string[] {
  return startPlan(workload).flatMap((launch) => (launch.step && launch.sidecar !== undefined ? [launch.sidecar] : []));
}

/**
 * What of a workload's order the container runtime cannot honour, as it gives the workload's own
 * container the replica's network: that container awaited as `complete` (it must keep running),
 * or a container that keeps running yet must start before it. A Score workload never has either
 * (its conversion chooses the workload's own container so); a project file can.
 */
export function orderRefusals(workload: Workload): WorkloadRefusal[] {
  const refusals: WorkloadRefusal[] = [];
  for (const [key, { ready }] of Object.entries(workload.before ?? {})) {
    if (ready === 'complete') {
      refusals.push({
        path: ['before', key],
        at: 'key',
        message: "the workload's own container owns the replica's network and publishes its ports, so it keeps running and cannot be awaited as complete; run the step as a sidecar",
      });
    }
  }
  const plan = startPlan(workload);
  for (const launch of plan.slice(0, plan.findIndex((l) => l.sidecar === undefined))) {
    if (!launch.step) {
      refusals.push({
        path: ['sidecars', launch.sidecar!],
        at: 'key',
        message:
          "it keeps running yet must start before the workload's own container, which owns the replica's network and so starts first of those that keep running; " +
          'make it the workload\'s own container, or let it start after',
      });
    }
  }
  return refusals;
}

/** A container as the engine reports it while its start is awaited; `probed`: whether its readiness probe passed (asked only when running). */
export interface StartSeen {
  /** The engine's word: created, running, restarting, paused, exited, dead. */
  readonly status: string;
  readonly exitCode: number;
  readonly restarts: number;
  readonly probed?: boolean;
}

/**
 * Whether a container awaited as `ready` got there: `complete` once it exited with status 0,
 * `started` while it runs, `healthy` while it runs and its readiness probe passes; failed, with
 * what happened, once it exited otherwise (or died) or restarted `restartLimit` times.
 */
export function startProgress(ready: Readiness, seen: StartSeen, restartLimit: number): 'reached' | 'waiting' | { readonly failed: string } {
  if (seen.status === 'exited' || seen.status === 'dead') {
    if (ready === 'complete' && seen.status === 'exited' && seen.exitCode === 0) return 'reached';
    return { failed: seen.status === 'dead' ? 'died' : `exited with status ${seen.exitCode}` };
  }
  if (seen.restarts >= restartLimit) return { failed: `crashed ${seen.restarts} times` };
  if (ready === 'complete' || seen.status !== 'running') return 'waiting';
  return ready === 'started' || seen.probed === true ? 'reached' : 'waiting';
}
