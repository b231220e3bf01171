/**
 * Runtimes: the adapters that turn desired units into running instances. `openRuntime` picks the
 * adapter of a target; the interface and the optional capabilities are in `types.ts`.
 */
import type { Target } from '../inputs/schema.js';
import { openNullRuntime } from './null/index.js';
import { openProcessRuntime } from './process/index.js';
import type { RuntimeAdapter, RuntimeContext } from './types.js';
import { openContainerRuntime } from './container/index.js';
import { openStaticRuntime } from './static/index.js';
import { openSshRuntime } from './ssh/index.js';

export * from './types.js';
export { interleave } from './interleave.js';
export { openProcessRuntime, ProcessRuntime, InstanceNotReadyError, DEFAULT_TIMINGS } from './process/index.js';
export type { ProcessRuntimeSettings, ProcessRuntimeDeps, SupervisorTimings, SpawnFn } from './process/index.js';
export { openNullRuntime, createNullState, NullRuntime } from './null/index.js';
export type { NullRuntimeState, NullCall } from './null/index.js';
export { openContainerRuntime, ContainerRuntime, ContainerTarget } from './container/index.js';
export { openSshRuntime, SshRuntime, HostUnreachableError, HostKeyRejectedError, RemoteCommandError } from './ssh/index.js';
export { openStaticRuntime, StaticRuntime, StaticTarget, describeDrift, type StaticObservedUnit, type FileDrift } from './static/index.js';

/**
 * Opens the adapter for `target`, which adopts whatever already runs there (see each adapter).
 * The state directory is created when missing. Paths in `target` must be absolute already.
 */
export function openRuntime(target: Target, ctx: RuntimeContext): Promise<RuntimeAdapter> {
  switch (target.runtime) {
    case 'process':
      return openProcessRuntime({ logMaxBytes: target.logMaxBytes, logKeep: target.logKeep }, ctx);
    case 'null':
      return openNullRuntime(ctx);
    case 'container':
      return openContainerRuntime(target, ctx);
    case 'static':
      return openStaticRuntime(target, ctx);
    case 'ssh':
      return openSshRuntime(target, ctx);
  }
}
