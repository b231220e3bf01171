/**
 * The executor and its lease on both store backends: two executors on one key take turns, and
 * work whose holder was killed (SIGKILL, a real process) is recovered by the next taker, once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../test/harness/postgres.js';
import { openStore, type Store } from '../store/index.js';
import { Executor } from './executor.js';

const dirs: string[] = [];
let cluster: Promise<PostgresCluster> | undefined;
afterAll(async () => {
  await (await cluster)?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tsx = import.meta.resolve('tsx');
const storeModule = resolve(import.meta.dirname, '../store/index.ts');

/**
 * Starts a process that opens the store, takes `key`'s lease for a minute and says so on stdout,
 * then waits to be killed. Resolves once it holds the lease.
 */
async function holderProcess(location: { dir: string; databaseUrl?: string }, key: string): Promise<() => Promise<void>> {
  const script = `
    const { openStore } = await import(${JSON.stringify(storeModule)});
    const { holderId, thisProcess } = await import(${JSON.stringify(resolve(import.meta.dirname, 'holder.ts'))});
    const store = await openStore(${JSON.stringify(location)});
    const result = await store.leases.takeLease(${JSON.stringify(key)}, holderId(thisProcess()), 60_000);
    console.log('taken' in result ? 'holding' : 'not held');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolvePromise, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('holding')) resolvePromise();
      if (out.includes('not held')) reject(new Error('the holder process could not take the lease'));
    });
    child.once('exit', (code) => reject(new Error(`the holder process exited (${code}) before holding the lease`)));
  });
  return () =>
    new Promise((resolvePromise) => {
      child.once('exit', () => resolvePromise());
      child.kill('SIGKILL');
    });
}

describe.each(['PGlite', 'PostgreSQL'] as const)('executor, on %s', (backend) => {
  async function location(): Promise<{ dir: string; databaseUrl?: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-lease-'));
    dirs.push(dir);
    if (backend === 'PGlite') return { dir };
    cluster ??= startPostgres();
    return { dir, databaseUrl: await (await cluster).newDatabase() };
  }

  it('two executors on one key: one acts while the other waits, then the other acts', async () => {
    const store = await openStore(await location());
    try {
      const log: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const a = new Executor(store.leases, { holder: { host: hostname(), pid: process.pid, startTime: null }, pollMs: 20 });
      const b = new Executor(store.leases, { holder: { host: `${hostname()}-b`, pid: 1, startTime: 1 }, pollMs: 20 });
      const first = a.run('unit:api/dev', async () => {
        log.push('a starts');
        await gate;
        log.push('a ends');
      });
      for (let i = 0; i < 200 && !log.includes('a starts'); i++) await new Promise((r) => setTimeout(r, 10));
      const second = b.run('unit:api/dev', async () => void log.push('b acts'));
      const elsewhere = b.run('unit:web/dev', async () => void log.push('b acts on another key'));
      await elsewhere;
      expect(log).toEqual(['a starts', 'b acts on another key']);
      release();
      await Promise.all([first, second]);
      expect(log).toEqual(['a starts', 'b acts on another key', 'a ends', 'b acts']);
      expect(await store.leases.listLeases()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('in one process, runs on one key in the order asked, and counts those waiting', async () => {
    const store = await openStore(await location());
    try {
      const executor = new Executor(store.leases);
      const order: number[] = [];
      const runs = [1, 2, 3].map((n) => executor.run('promotion:p', async () => void order.push(n)));
      expect(executor.waiting()).toEqual([['promotion:p', 3]]);
      await Promise.all(runs);
      expect(order).toEqual([1, 2, 3]);
      expect(executor.waiting()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the holder killed: the next taker recovers its work once, then works', async () => {
    const where = await location();
    let store: Store | undefined;
    if (backend === 'PostgreSQL') store = await openStore(where);
    const kill = await holderProcess(where, 'unit:api/prod');
    await kill();
    store ??= await openStore(where); // the embedded store opens once its last user is gone
    try {
      const recovered: string[] = [];
      const executor = new Executor(store.leases, { recover: async (key) => void recovered.push(key) });
      expect((await store.leases.abandonedLeases()).map((l) => l.key)).toEqual(['unit:api/prod']);
      let worked = 0;
      await executor.run('unit:api/prod', async () => void worked++);
      await executor.run('unit:api/prod', async () => void worked++);
      expect([recovered, worked]).toEqual([['unit:api/prod'], 2]);
      expect(await store.leases.abandonedLeases()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a holder on another host is recovered only once its lease has expired', async () => {
    const store = await openStore(await location());
    try {
      await store.leases.takeLease('unit:api/staging', 'elsewhere/1/1', 300);
      const recovered: string[] = [];
      const executor = new Executor(store.leases, { pollMs: 20, recover: async (key) => void recovered.push(key) });
      await executor.run('unit:api/staging', async () => undefined);
      expect(recovered).toEqual(['unit:api/staging']);
    } finally {
      await store.close();
    }
  }, 60_000);
});
