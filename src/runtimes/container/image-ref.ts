/**
 * Where a container workload names its image: `image` (then `command` replaces the image's
 * entrypoint and `args` its command, as in Kubernetes and Score; without `command` the image's
 * entrypoint runs), or — until desired-state resolution fills `image` in — the interim convention
 * `command: "image:<reference>"` with `args` as the command (empty: the image's own `CMD`).
 * This one function is the only place that knows either.
 */
import type { ResolvedContainer } from '../../desired/types.js';
import { RuntimeError } from '../../errors.js';

const PREFIX = 'image:';

/** The parts of a container workload that say what to run in a container. */
export type ContainerWorkload = Pick<ResolvedContainer, 'command' | 'args' | 'image'>;

/** True when the workload names its image (in `image`, or by the `image:` convention). */
export function namesImage(workload: ContainerWorkload): boolean {
  return workload.image !== undefined || (workload.command?.startsWith(PREFIX) === true && workload.command.length > PREFIX.length);
}

/**
 * The image, the entrypoint (absent: the image's) and the command (absent: the image's; an empty
 * list when `command` is given without `args`, so the image's command is not appended to it).
 * Throws a `RuntimeError` for a workload that names no image.
 */
export function containerCommand(workload: ContainerWorkload): { image: string; entrypoint: string[] | undefined; cmd: string[] | undefined } {
  if (workload.image) {
    if (workload.command === undefined) return { image: workload.image, entrypoint: undefined, cmd: workload.args.length > 0 ? [...workload.args] : undefined };
    return { image: workload.image, entrypoint: [workload.command], cmd: [...workload.args] };
  }
  if (!namesImage(workload)) {
    throw new RuntimeError(`a container workload names its image in workload.image (or as command "image:<reference>"; got ${JSON.stringify(workload.command ?? null)})`);
  }
  return { image: workload.command!.slice(PREFIX.length), entrypoint: undefined, cmd: workload.args.length > 0 ? [...workload.args] : undefined };
}

/** `name@sha256:<64 hex>`: a reference pinned to one manifest. */
const PINNED = /^([^@\s]+)@sha256:[0-9a-f]{64}$/;

/**
 * The registry of an image reference pinned by digest (`host[:port]/path@sha256:<hex>`), as its
 * logins are keyed: `host[:port]`, or `docker.io` when the first part of the name is no host (has
 * no `.` or `:` and is not `localhost`, the engine's rule). Undefined when the reference is not
 * pinned by digest (a tag alone names no one image, so such an image is never pulled). Pure.
 */
export function pinnedRegistry(image: string): string | undefined {
  const name = PINNED.exec(image)?.[1];
  if (name === undefined) return undefined;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first : 'docker.io';
}
