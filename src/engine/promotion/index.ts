/** Promotions: releases carried through environments by a durable step machine. */
export * from './types.js';
export { PromotionEngine, type EngineDeps, type Verifier, type StepResult } from './machine.js';
export { approvalsMissing, frozen, inWindow, compareVersions, dependencyMissing } from './gates.js';
export { promotionOrder } from './order.js';
