/**
 * Inbound webhooks: GitHub and GitLab deliveries, checked against a shared secret and read into
 * pushes of branches and tags. Pure; the engine records them (`engine/webhooks.ts`), the server
 * serves their routes.
 */
export { checkProof, readDelivery, webhookSecretName, PROVIDERS, WEBHOOK_BODY_LIMIT, type DeliveryHead, type InboundDelivery, type WebhookProvider } from './receive.js';
export { describePush, type Push, type Reading, type Provider, type DeliveryField } from './push.js';
