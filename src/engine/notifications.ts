/** Webhook notifications for a workspace: hooks from the project file, secrets from its store, deliveries recorded in it. */
import { createNotifier, startEventFeed } from '../notifications/index.js';
import { SECRET_REF_PREFIX } from '../secrets/index.js';
import { SlipwayError } from '../errors.js';
import { secretStore } from './materials.js';
import type { Workspace } from './workspace.js';

/**
 * Starts delivering the workspace's events to the project's hooks, from just after the last event
 * delivered before (or from now, the first time). Returns the feed to stop.
 */
export async function startNotifications(ws: Workspace, onError: (error: unknown) => void = () => {}): Promise<{ stop(): Promise<void> }> {
  const secrets = secretStore(ws);
  const notifier = createNotifier({
    hooks: ws.project.spec.notifications,
    resolveSecret: async (secret) => {
      if (!secret.startsWith(SECRET_REF_PREFIX)) return secret;
      const value = await secrets.get(secret.slice(SECRET_REF_PREFIX.length));
      if (value === undefined) throw new SlipwayError('secret-unresolved', `the hook's signing secret ${secret} is not set`);
      return value;
    },
    log: { record: (attempt) => ws.store.recordDelivery(attempt) },
    onError,
  });
  const [lastDelivered] = await ws.store.listDeliveries({ limit: 1 });
  const latest = (await ws.store.listEvents({ last: 1 }))[0]?.seq ?? 0;
  return startEventFeed(ws.store, notifier, { afterSeq: lastDelivered?.eventSeq ?? latest, onError });
}
