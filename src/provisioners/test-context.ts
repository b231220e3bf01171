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
import type { ApplyContext } from './apply.js';
import { builtinProvisioners, type BuiltinProvisionerOptions } from './builtin/index.js';

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
