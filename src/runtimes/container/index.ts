/**
 * The `container` runtime module: replicas as containers on a Docker Engine API (Docker or
 * Podman). dockerode loads with `container-runtime.ts`, only when a target opens.
 */
import type { RuntimeModule, WorkloadRefusal } from '../types.js';
import type { Workload } from '../../inputs/schema.js';
import { containersOf } from '../../inputs/workload-containers.js';
import { namesImage } from './image-ref.js';
import { orderRefusals } from './start-plan.js';
import { ContainerTarget } from './settings.js';

/**
 * What a container target cannot honour: a first container without an image (the artifact of a
 * directory, `image: .`, is not an image), a volume's `path` (the engine mounts a volume's root),
 * and an order of containers in which the workload's own does not start first of those that keep
 * running (`start-plan.ts`).
 */
export function containerRefusals(workload: Workload): WorkloadRefusal[] {
  const refusals: WorkloadRefusal[] = [];
  if (!namesImage(workload)) refusals.push({ path: ['image'], message: 'it runs images; give an image (build the artifact of this directory into one first)' });
  for (const [at, { volumes }] of containersOf(workload)) {
    (volumes ?? []).forEach((volume, index) => {
      if (volume.path !== undefined) refusals.push({ path: [...at, 'volumes', index, 'path'], message: "it mounts a volume's root only; remove path (or give the directory a volume of its own)" });
    });
  }
  return [...refusals, ...orderRefusals(workload)];
}

export const containerRuntime: RuntimeModule<typeof ContainerTarget> = {
  kind: 'container',
  settings: ContainerTarget,
  refuses: containerRefusals,
  async open(settings, ctx) {
    const { openContainerRuntime } = await import('./container-runtime.js');
    return openContainerRuntime(settings, ctx);
  },
};
