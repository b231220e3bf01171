/**
 * Where a container workload names its image: `workload.image` (then `command` and `args` run
 * inside it), or — until desired-state resolution fills `image` in — the interim convention
 * `command: "image:<reference>"` with `args` as the command (empty: the image's own `CMD`).
 * This one function is the only place that knows either.
 */
import type { ResolvedWorkload } from '../../desired/types.js';
import { RuntimeError } from '../../errors.js';

const PREFIX = 'image:';

/** The parts of a workload that say what to run in a container. */
export type ContainerWorkload = Pick<ResolvedWorkload, 'command' | 'args'> & { readonly image?: string };

/** The image and the command line of a container workload. Throws a `RuntimeError` for a workload that names no image. */
export function containerCommand(workload: ContainerWorkload): { image: string; cmd: string[] | undefined } {
  if (workload.image) return { image: workload.image, cmd: [workload.command, ...workload.args] };
  if (!workload.command.startsWith(PREFIX) || workload.command.length === PREFIX.length) {
    throw new RuntimeError(`a container workload names its image in workload.image (or as command "image:<reference>"; got "${workload.command}")`);
  }
  return { image: workload.command.slice(PREFIX.length), cmd: workload.args.length > 0 ? [...workload.args] : undefined };
}
