/** Promotions: releases carried through environments by a durable step machine. */
export * from './types.js';
export { PromotionEngine, type EngineDeps, type Verifier, type StepResult, type StartRequest } from './machine.js';
export { approvalsMissing, decisionRefusal, orderRefusal, frozen, inWindow, compareVersions, dependencyMissing, type Decision } from './gates.js';
export { environmentsSucceeded } from './succeeded.js';
export { promotionOrder } from './order.js';
