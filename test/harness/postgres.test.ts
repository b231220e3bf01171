/**
 * The throwaway PostgreSQL cluster: it starts, answers on 127.0.0.1 only with durability off,
 * hands out fresh databases, and leaves nothing behind when stopped.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findPostgresBin, startPostgres } from './postgres.js';

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  it('starts a disposable cluster on 127.0.0.1 with durability off, and stop removes it', async () => {
    const cluster = await startPostgres();
    let dataDir: string;
    try {
      expect(new URL(cluster.url).hostname).toBe('127.0.0.1');
      const [settings] = await query(
        cluster.url,
        "select current_setting('fsync') as fsync, current_setting('full_page_writes') as fpw, current_setting('synchronous_commit') as sc, current_setting('listen_addresses') as listen, current_setting('data_directory') as data",
      );
      expect(settings).toMatchObject({ fsync: 'off', fpw: 'off', sc: 'off', listen: '127.0.0.1' });
      dataDir = String(settings!.data);
      const [first, second] = [await cluster.newDatabase(), await cluster.newDatabase()];
      expect(first).not.toBe(second);
      await query(first, 'create table t (x int)');
      expect(await query(second, "select count(*)::int as n from pg_tables where tablename = 't'")).toEqual([{ n: 0 }]);
    } finally {
      await cluster.stop();
    }
    await cluster.stop(); // idempotent
    expect(existsSync(dataDir)).toBe(false);
    await expect(query(cluster.url, 'select 1')).rejects.toThrow();
  });

  it('without binaries it fails saying what to install, never silently', () => {
    const empty = mkdtempSync(join(tmpdir(), 'slipway-nopg-'));
    try {
      expect(() => findPostgresBin({ libDir: join(empty, 'none'), path: empty })).toThrow('apt-get install postgresql');
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
