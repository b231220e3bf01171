/**
 * Runtimes: the adapters that turn desired units into running instances. The interface and the
 * optional capabilities are in `types.ts`; `registry.ts` lists the kinds and opens a target's adapter.
 */
export * from './types.js';
export { interleave } from './kit/interleave.js';
export { openRuntime, warmRuntime, type TargetPlace } from './registry.js';
