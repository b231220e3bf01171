/**
 * What a runtime that starts the workload's command itself as a process (on this machine, or on a
 * host over SSH) cannot honour: everything that needs a container. One rule set, shared by the
 * `process` and `ssh` modules. Pure.
 */
import type { HttpProbe, Probe, Workload } from '../../inputs/schema.js';
import { containersOf } from '../../inputs/workload-containers.js';
import { RuntimeError } from '../../errors.js';
import type { WorkloadRefusal } from '../types.js';

/** What a process runtime cannot honour of `workload`, each with its path in the workload. */
export function processRefusals(workload: Workload): WorkloadRefusal[] {
  const refusals: WorkloadRefusal[] = [];
  const refuse = (path: readonly PropertyKey[], message: string, at?: 'key') => refusals.push({ path, message, ...(at && { at }) });
  if (workload.command === undefined) refuse(['command'], 'it starts the command itself and reads no image entrypoint; give command (and args)', 'key');
  for (const [name, detail] of Object.entries(workload.portDetails ?? {})) {
    if (detail.targetPort !== undefined && detail.targetPort !== workload.ports[name]) {
      refuse(['portDetails', name, 'targetPort'], `the process listens on the service port itself (PORT_${name.toUpperCase().replaceAll('-', '_')}); remove targetPort or make it the port`);
    }
    if (detail.protocol === 'UDP') refuse(['portDetails', name, 'protocol'], 'it serves and probes TCP ports only; UDP needs a container target');
  }
  if (workload.files?.length) refuse(['files', 0], 'it mounts no files into a process; ship them in the artifact, or pass their content in variables');
  if (workload.volumes?.length) refuse(['volumes', 0], 'it mounts no volumes into a process; declare storage as a resource instead');
  if (workload.requests && Object.keys(workload.requests).length > 0) refuse(['requests'], 'it reserves nothing for a process; remove requests (limits are applied)', 'key');
  for (const name of Object.keys(workload.sidecars ?? {})) refuse(['sidecars', name], 'it runs one process per replica; several containers sharing a network need a container target', 'key');
  for (const [at, container] of containersOf(workload)) {
    if (Object.keys(container.before ?? {}).length > 0) refuse([...at, 'before'], 'it starts one process per replica and orders no containers; ordering them needs a container target', 'key');
  }
  for (const kind of ['readinessProbe', 'livenessProbe'] as const) {
    const probe = workload[kind];
    if (probe && !('httpGet' in probe)) refuse([kind, 'exec'], 'it probes over HTTP only; an exec probe needs a container target', 'key');
    if (processProbe(probe)?.httpGet.httpHeaders?.length) refuse([kind, 'httpGet', 'httpHeaders'], 'it sends no headers with a probe; remove httpHeaders', 'key');
  }
  return refusals;
}

/** The HTTP probe a process runtime runs; undefined for none (an exec probe is refused before it gets here). */
export function processProbe(probe: Probe | undefined): HttpProbe | undefined {
  return probe && 'httpGet' in probe ? probe : undefined;
}

/** The command a process runtime starts. Throws a `RuntimeError` for a workload without one (refused by validation). */
export function processCommand(workload: { readonly command?: string }): string {
  if (workload.command === undefined) throw new RuntimeError('the workload gives no command, and a process runtime reads no image entrypoint: give command (and args)');
  return workload.command;
}
