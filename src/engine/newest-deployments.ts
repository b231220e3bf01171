/**
 * The newest deployment of every (service, environment), as status and the reconcile loop read
 * it on every call: one store read while the audit log stands still. Every change of a
 * deployment's status is followed by an event (`deploy.ts`; the workspace closes interrupted ones
 * before anything reads), so while the newest event is the same, so are they.
 */
import type { DeploymentHead, DeploymentStatus, Store } from '../store/index.js';

const cache = new WeakMap<Store, Map<string, { readonly seq: number; readonly heads: Promise<DeploymentHead[]> }>>();

/** `store.newestDeployments(statuses)`, read again only when an event was appended since the last read. Reads only. */
export async function newestDeployments(store: Store, statuses?: readonly DeploymentStatus[]): Promise<DeploymentHead[]> {
  const seq = (await store.listEvents({ last: 1 }))[0]?.seq ?? 0;
  const byStatuses = cache.get(store) ?? new Map();
  cache.set(store, byStatuses);
  const key = statuses?.join() ?? '*';
  const cached = byStatuses.get(key);
  if (cached?.seq === seq) return cached.heads;
  // Callers at the same seq share one read; a failed read is not kept.
  const heads = store.newestDeployments(statuses);
  byStatuses.set(key, { seq, heads });
  heads.catch(() => {
    if (byStatuses.get(key)?.heads === heads) byStatuses.delete(key);
  });
  return heads;
}
