/**
 * Where a container workload names its image, until the project file has `workload.image`:
 * `command: "image:<reference>"`, with `args` as the command run in the image (empty: the
 * image's own `CMD`). This one function is the only place that knows the convention.
 */
import type { ResolvedWorkload } from '../../desired/types.js';
import { RuntimeError } from '../../errors.js';

const PREFIX = 'image:';

/** The image and the command line of a container workload. Throws a `RuntimeError` for a workload that names no image. */
export function containerCommand(workload: Pick<ResolvedWorkload, 'command' | 'args'>): { image: string; cmd: string[] | undefined } {
  if (!workload.command.startsWith(PREFIX) || workload.command.length === PREFIX.length) {
    throw new RuntimeError(`a container workload names its image as command "image:<reference>" (got "${workload.command}")`);
  }
  return { image: workload.command.slice(PREFIX.length), cmd: workload.args.length > 0 ? [...workload.args] : undefined };
}
