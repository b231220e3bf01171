/** Promotions: releases carried through environments by a durable step machine. */
export * from './types.js';
export { PromotionDriver, promotionLease, attemptId, type DriverDeps, type Verifier, type StartRequest } from './driver.js';
export { advance, isRollingOut, GATE_POLL_MS, type Advance, type ActionOutcome, type EnvironmentFacts, type PromotionAction, type PromotionFacts } from './advance.js';
export { approvalsMissing, decisionRefusal, orderRefusal, frozen, inWindow, compareVersions, dependencyMissing, type Decision } from './gates.js';
export { environmentsSucceeded } from './succeeded.js';
export { promotionOrder } from './order.js';
