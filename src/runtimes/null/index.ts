/** The `null` runtime: records requests, runs nothing. */
export { openNullRuntime, createNullState, NullRuntime, type NullRuntimeState, type NullCall } from './null-runtime.js';
