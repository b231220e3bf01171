/**
 * Runtimes: the adapters that turn desired units into running instances. `openRuntime` picks the
 * adapter of a target; the interface and the optional capabilities are in `types.ts`.
 */
import type { Target } from '../inputs/schema.js';
import { openNullRuntime } from './null/index.js';
import { openProcessRuntime } from './process/index.js';
import type { RuntimeAdapter, RuntimeContext } from './types.js';

export * from './types.js';
export { interleave } from './kit/interleave.js';
export { openProcessRuntime, ProcessRuntime, DEFAULT_TIMINGS } from './process/index.js';
export type { ProcessRuntimeSettings, ProcessRuntimeDeps, SupervisorTimings, SpawnFn } from './process/index.js';
export { openNullRuntime, createNullState, NullRuntime } from './null/index.js';
export type { NullRuntimeState, NullCall } from './null/index.js';
export type { ContainerRuntime } from './container/index.js';
export type { SshRuntime } from './ssh/index.js';
export type { StaticRuntime, StaticObservedUnit, FileDrift } from './static/index.js';

/**
 * Opens the adapter for `target`, which adopts whatever already runs there (see each adapter).
 * The state directory is created when missing. Paths in `target` must be absolute already.
 * The container, static and ssh adapters (dockerode, ssh2) load when a target first needs them,
 * so a CLI command on a project without such targets never pays for them.
 */
export async function openRuntime(target: Target, ctx: RuntimeContext): Promise<RuntimeAdapter> {
  switch (target.runtime) {
    case 'process':
      return openProcessRuntime({ logMaxBytes: target.logMaxBytes, logKeep: target.logKeep }, ctx);
    case 'null':
      return openNullRuntime(ctx);
    case 'container':
      return (await import('./container/index.js')).openContainerRuntime(target, ctx);
    case 'static':
      return (await import('./static/index.js')).openStaticRuntime(target, ctx);
    case 'ssh':
      return (await import('./ssh/index.js')).openSshRuntime(target, ctx);
  }
}
