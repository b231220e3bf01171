/**
 * The store contract on both backends (embedded PGlite and a throwaway PostgreSQL cluster), and
 * what only `openStore` does: the embedded store's lock and the injected clock.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { processStartTimeSync } from '../proc-stat.js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../test/harness/postgres.js';
import { STORE_LOCK_FILE, StoreLockedError, openStore, readStoreLock, type Store } from './index.js';
import { storeContract } from './store-contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Backend locations of open stores, so that `reopen` can find their data again. */
const locations = new WeakMap<Store, { dir: string; databaseUrl?: string }>();
async function openAt(location: { dir: string; databaseUrl?: string }): Promise<Store> {
  const store = await openStore(location);
  locations.set(store, location);
  return store;
}
async function reopen(store: Store): Promise<Store> {
  await store.close();
  return openAt(locations.get(store)!);
}

storeContract('PGlite', () => openAt({ dir: tempDir() }), reopen);

let cluster: Promise<PostgresCluster> | undefined;
/** One cluster for the file, started on first use; a fresh database per store. */
async function postgresLocation(): Promise<{ dir: string; databaseUrl: string }> {
  cluster ??= startPostgres();
  return { dir: tempDir(), databaseUrl: await (await cluster).newDatabase() };
}
afterAll(async () => {
  await (await cluster)?.stop();
});

storeContract('PostgreSQL', async () => openAt(await postgresLocation()), reopen);

/** Entries under `dir` (itself included) that group or others may use at all. */
function notPrivate(dir: string): string[] {
  const paths = [dir, ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name))];
  return paths.filter((path) => (lstatSync(path).mode & 0o077) !== 0);
}

describe('openStore', () => {
  it('PGlite: keeps its files private while open and after close, though PGlite makes most of them 0666', async () => {
    const dir = tempDir();
    const store = await openStore({ dir });
    expect(notPrivate(dir)).toEqual([]);
    await store.putSecret('x', { ciphertext: new Uint8Array([1]), nonce: new Uint8Array([2]) });
    await store.close();
    expect(notPrivate(dir)).toEqual([]);
  });

  it('PGlite: refuses a directory that group or others can write, and takes no lock in it', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o775);
    await expect(openStore({ dir })).rejects.toMatchObject({ code: 'unsafe-state-dir', message: expect.stringContaining('chmod -R go-rwx') });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('PGlite: a second open of an open store throws StoreLockedError naming the holder; after close it opens', async () => {
    const dir = tempDir();
    const first = await openStore({ dir });
    expect(readStoreLock(dir)).toBe(process.pid);
    const error = await openStore({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error).toMatchObject({ code: 'store-locked', pid: process.pid });
    await first.close();
    await first.close(); // idempotent
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
    expect(readStoreLock(dir)).toBeUndefined();
    const second = await openStore({ dir });
    await second.close();
  });

  it('PGlite: a lock held by another live process refuses; one left by a dead process is taken over', async () => {
    const dir = tempDir();
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, STORE_LOCK_FILE), `${hostname()}/${sleeper.pid}/${processStartTimeSync(sleeper.pid!)}\n`);
      await expect(openStore({ dir })).rejects.toMatchObject({ name: 'StoreLockedError', pid: sleeper.pid });
    } finally {
      const exited = new Promise((resolve) => sleeper.once('exit', resolve));
      sleeper.kill();
      await exited;
    }
    expect(readStoreLock(dir)).toBeUndefined();
    const store = await openStore({ dir });
    expect(readStoreLock(dir)).toBe(process.pid);
    await store.close();
  });

  it('PostgreSQL: takes no lock, so several stores share one database', async () => {
    const location = await postgresLocation();
    const [a, b] = [await openStore(location), await openStore(location)];
    try {
      const event = await a.appendEvent({ type: 't', actor: 'a', message: 'shared' });
      expect(await b.listEvents()).toEqual([event]);
      expect(existsSync(join(location.dir, STORE_LOCK_FILE))).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('records timestamps from the injected clock', async () => {
    const at = new Date('2031-05-06T07:08:09.123Z');
    const store = await openStore({ ...(await postgresLocation()), now: () => at });
    try {
      const release = await store.putRelease({ service: 'api', version: 'v1', artifactDigest: null, specHash: 'h', spec: { workload: { command: 'x', args: [], env: {}, ports: {} }, replicas: 1, resources: {}, environments: {} }, createdBy: 'ci' });
      const deployment = await store.createDeployment({ service: 'api', environment: 'dev', releaseId: release.id, createdBy: 'ci' });
      await store.finishDeployment(deployment.id, { status: 'succeeded', message: 'done' });
      const event = await store.appendEvent({ type: 't', actor: 'x', message: '' });
      expect([release.createdAt, deployment.createdAt, (await store.getDeployment(deployment.id))?.finishedAt, event.at]).toEqual([at, at, at, at]);
    } finally {
      await store.close();
    }
  });
});
