/**
 * Verification: after a rollout, decide whether the new release is good, by HTTP checks, smoke
 * commands and metric analysis over a window. The engine embeds `Verification` in an
 * environment's spec and calls `verify`.
 */
export * from './types.js';
export { verify, type VerifyDeps } from './run.js';
export { systemClock, manualClock, type Clock, type ManualClock } from './clock.js';
export { queryPrometheus, PrometheusError, type PrometheusSample, type PrometheusFailure, type QueryOptions } from './prometheus.js';
export { substituteQuery } from './metric-check.js';
export type { Spawn } from './command-check.js';
