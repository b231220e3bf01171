/**
 * The `container` runtime module: replicas as containers on a Docker Engine API (Docker or
 * Podman). dockerode loads with `container-runtime.ts`, only when a target opens.
 */
import type { RuntimeModule, WorkloadRefusal } from '../types.js';
import type { Workload } from '../../inputs/schema.js';
import { namesImage } from './image-ref.js';
import { ContainerTarget } from './settings.js';

/**
 * What a container target cannot honour: a first container without an image (the artifact of a
 * directory, `image: .`, is not an image), and a volume's `path` (the engine mounts a volume's root).
 */
export function containerRefusals(workload: Workload): WorkloadRefusal[] {
  const refusals: WorkloadRefusal[] = [];
  if (!namesImage(workload)) refusals.push({ path: ['image'], message: 'it runs images; give an image (build the artifact of this directory into one first)' });
  const containers: [readonly PropertyKey[], Workload['volumes']][] = [[[], workload.volumes], ...Object.entries(workload.sidecars ?? {}).map(([name, c]): [readonly PropertyKey[], Workload['volumes']] => [['sidecars', name], c.volumes])];
  for (const [at, volumes] of containers) {
    (volumes ?? []).forEach((volume, index) => {
      if (volume.path !== undefined) refusals.push({ path: [...at, 'volumes', index, 'path'], message: "it mounts a volume's root only; remove path (or give the directory a volume of its own)" });
    });
  }
  return refusals;
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
