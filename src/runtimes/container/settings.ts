/**
 * Settings of a `container` target in the project file: which Docker Engine API to talk to and
 * what every container on it gets. Its module (`index.ts`) is in `runtimes/registry.ts`.
 */
import { z } from 'zod';

/** Resource limits given to every container of the target; absent means unlimited. */
export const ContainerResources = z.strictObject({
  /** Memory limit in MiB (the container is OOM-killed above it, then restarted). */
  memoryMiB: z.number().int().positive().optional(),
  /** CPU limit in CPUs, e.g. `0.5`. */
  cpus: z.number().positive().optional(),
});
export type ContainerResources = z.infer<typeof ContainerResources>;

export const ContainerTarget = z.strictObject({
  runtime: z.literal('container'),
  /** Unix socket of the Docker Engine API (Docker, or `podman system service`). Absent: `DOCKER_HOST`, else `/var/run/docker.sock`. */
  socket: z.string().min(1).optional(),
  /** Network mode of new containers (`bridge`, `slirp4netns` on Podman, a network name). Absent: the engine's default. */
  network: z.string().min(1).optional(),
  /** Restart policy of new containers: the engine restarts a crashed container by itself. */
  restart: z.enum(['always', 'on-failure', 'unless-stopped']).default('always'),
  /** Limits applied to every container of this target. */
  resources: ContainerResources.default({}),
  /** How long one replica may take to become ready before apply gives up. */
  readyTimeoutSeconds: z.number().positive().default(30),
});
export type ContainerTarget = z.infer<typeof ContainerTarget>;
