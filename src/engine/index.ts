/** The engine's public face: workspaces, releases, deployments, and the operations people ask for. */
export { Workspace, stateDirOf, workspaceLockFile, type WorkspaceOptions } from './workspace.js';
export { LockedError, lockHolder, acquirePidLock } from '../pid-lock.js';
export { cutRelease, candidateRelease, type CandidateRelease } from './releases.js';
export { deploy, type DeployRequest, type DeployOutcome, type DeployResult } from './deploy.js';
export { preview, firstEnvironment } from './preview.js';
export { status, type StatusRow } from './status.js';
export { logs, type LogsRequest } from './logs.js';
export { down } from './down.js';
export { observeUnits, unitsOf, environmentTargets } from './units.js';
export { LocalOperations, type Operations, type EventsFilter, type PromotionAction, type ControlRequest, type Drift, type DeploymentDetail } from './operations.js';
export { actionsFor, type ActionChoice, type ActionName } from './actions.js';
export { promote, decide, rollback, history, activePromotion, type PromoteRequest, type DecisionRequest, type History } from './promotions.js';
export { environmentVerifier } from './verifier.js';
export { explain, type Explanation, type ExplainedField } from './explain.js';
export * from './promotion/index.js';
export { materialize, secretStore, resourcePlan, applyResources } from './materials.js';
export { startNotifications } from './notifications.js';
export { receiveWebhook, WEBHOOK_EVENT, type WebhookReceipt, type WebhookResult } from './webhooks.js';
