/**
 * The planner: a pure function from desired and observed state to the steps between them, and
 * the words that show a plan to a person.
 */
export * from './types.js';
export { plan } from './plan.js';
export { applyPlanEffects } from './effects.js';
export { formatPlan, formatStep } from './format.js';
