/**
 * The `container` runtime module: replicas as containers on a Docker Engine API (Docker or
 * Podman). dockerode loads with `container-runtime.ts`, only when a target opens.
 */
import type { RuntimeModule } from '../types.js';
import { ContainerTarget } from './settings.js';

export const containerRuntime: RuntimeModule<typeof ContainerTarget> = {
  kind: 'container',
  settings: ContainerTarget,
  async open(settings, ctx) {
    const { openContainerRuntime } = await import('./container-runtime.js');
    return openContainerRuntime(settings, ctx);
  },
};
