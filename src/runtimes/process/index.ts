/** The `process` runtime: supervised local child processes. */
export { openProcessRuntime, ProcessRuntime, type ProcessRuntimeSettings, type ProcessRuntimeDeps } from './process-runtime.js';
export { DEFAULT_TIMINGS, type SupervisorTimings, type SpawnFn } from './supervisor.js';
