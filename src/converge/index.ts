/** Convergence: keeping what runs equal to what should run. For now, the observe loop. */
export { startObserveLoop, type ObserveLoopOptions } from './observe-loop.js';
export { startPromotionLoop } from './promotion-loop.js';
export { startBuildLoop } from './build-loop.js';
export { Reconciler, type Drift, type ReconcileOptions } from './reconcile.js';
export { startReconcileLoop } from './reconcile-loop.js';
