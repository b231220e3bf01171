/**
 * The store's public face: open it, use it through `Store`, and recognise its lock.
 */
export * from './types.js';
export { openStore, type OpenStoreOptions } from './open.js';
export { KyselyStore, type KyselyStoreOptions } from './kysely-store.js';
export { STORE_LOCK_FILE, StoreLockedError, readStoreLock } from './lock.js';
export { migrateToLatest, migrations } from './migrations.js';
export type { Database } from './database.js';
export type { Lease, LeaseStore, TakeResult } from './lease-store.js';
export { BUILD_ENDS, type Build, type BuildOutcome, type BuildStatus, type BuildStore, type BuildTrigger, type NewBuild } from './build-store.js';
