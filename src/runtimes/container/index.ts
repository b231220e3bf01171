/** The `container` runtime: replicas as containers on a Docker Engine API (Docker or Podman). */
export { openContainerRuntime, ContainerRuntime, type ContainerRuntimeSettings, type ContainerRuntimeDeps } from './container-runtime.js';
export { ContainerTarget, ContainerResources } from './settings.js';
export { containerCommand } from './image-ref.js';
export { LABEL } from './labels.js';
