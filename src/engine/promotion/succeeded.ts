/** Where a release has succeeded: the facts the promotion order is checked against. */
import type { Store } from '../../store/index.js';

/**
 * The environments where release `releaseId` of `service` has succeeded: a promotion carried it
 * through the environment (rolled out, verified, soaked), or a deployment outside any promotion
 * made it ready there. A promotion's rollout that then failed verification does not count.
 */
export async function environmentsSucceeded(store: Pick<Store, 'listPromotions' | 'listDeployments'>, service: string, releaseId: string): Promise<Set<string>> {
  const promotions = (await store.listPromotions({ service })).filter((p) => p.releaseId === releaseId);
  const succeeded = new Set<string>();
  const promoted = new Set<string>();
  for (const promotion of promotions) {
    for (const [environment, progress] of Object.entries(promotion.environments)) {
      if (progress.phase === 'succeeded') succeeded.add(environment);
      if (progress.deploymentId) promoted.add(progress.deploymentId);
    }
  }
  for (const deployment of await store.listDeployments({ service, statuses: ['succeeded'] })) {
    if (deployment.releaseId === releaseId && !promoted.has(deployment.id)) succeeded.add(deployment.environment);
  }
  return succeeded;
}
