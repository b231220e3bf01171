/** The `static` runtime: asset directories published to a local web root with an atomic switch. */
export { openStaticRuntime, StaticRuntime, type StaticRuntimeSettings, type StaticObservedUnit } from './static-runtime.js';
export { StaticTarget } from './settings.js';
export { describeDrift, type FileDrift } from './manifest.js';
