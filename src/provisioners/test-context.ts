/**
 * For tests: a store on a fresh database of a throwaway PostgreSQL cluster, a secret store over
 * it, and an `ApplyContext` with the built-in provisioners.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresCluster } from '../../test/harness/postgres.js';
import { Redactor, SecretStore } from '../secrets/index.js';
import { openStore, type Store } from '../store/index.js';
import type { ResourceRequest } from '../inputs/schema.js';
import type { ApplyContext } from './apply.js';
import { builtinProvisioners, type BuiltinProvisionerOptions } from './builtin/index.js';
import { planResources } from './plan.js';
import { requestResources } from './requests.js';
import type { ProvisionerSpec } from './schema.js';

export interface TestContext extends ApplyContext {
  readonly cluster: PostgresCluster;
  readonly store: Store;
  readonly secrets: SecretStore;
  /** A directory removed by `close`. */
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts a cluster and opens everything over it; `close` stops it all. */
export async function openTestContext(options: BuiltinProvisionerOptions = {}): Promise<TestContext> {
  const cluster = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-provisioners-'));
  const store = await openStore({ dir, databaseUrl: await cluster.newDatabase() });
  const secrets = new SecretStore(store, () => randomBytes(32));
  return {
    cluster,
    store,
    records: store,
    secrets,
    dir,
    registry: builtinProvisioners({ cwd: dir, ...options }),
    redactor: new Redactor(),
    async close() {
      await store.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The resource plan for what `services` (service → resource name → request) ask of `environment`, against what `t` has recorded there. */
export async function planRequests(
  t: TestContext,
  provisioners: readonly ProvisionerSpec[],
  environment: string,
  services: Record<string, Record<string, ResourceRequest>>,
): Promise<ReturnType<typeof planResources>> {
  const asked = Object.fromEntries(Object.entries(services).map(([name, resources]) => [name, { resources }]));
  const resources = requestResources({ environment, services: asked, provisioners, workloads: [], registry: t.registry });
  return planResources(resources, await t.store.listResources({ environment }));
}
