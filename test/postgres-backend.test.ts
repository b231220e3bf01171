/**
 * The CLI with `SLIPWAY_DATABASE_URL` set: records go to a real PostgreSQL server, not to the
 * embedded store, and a second command (another process) reads them back.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from './harness/postgres.js';
import { initProject, killPids, processesUnder, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
let cluster: PostgresCluster;
let url: string;
const cli = (...args: string[]) => runCli(args, { cwd: dir, env: { SLIPWAY_DATABASE_URL: url } });

beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.newDatabase();
  expect((await initProject(dir)).code).toBe(0);
});

afterAll(async () => {
  killPids(processesUnder(dir));
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL as the store', () => {
  it('deploys with every record in PostgreSQL and none in .slipway/db', async () => {
    const deploy = await cli('deploy', 'web', '--env', 'dev', '--version', '1.0.0');
    expect(deploy.stderr).not.toMatch(/error/i);
    expect(deploy.code).toBe(0);
    expect(existsSync(join(dir, '.slipway', 'db'))).toBe(false);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const releases = await client.query('select service, version from releases');
      expect(releases.rows).toEqual([{ service: 'web', version: '1.0.0' }]);
      const deployments = await client.query('select status from deployments');
      expect(deployments.rows).toEqual([{ status: 'succeeded' }]);
    } finally {
      await client.end();
    }

    const status = JSON.parse((await cli('status', '--json')).stdout) as { service: string; environment: string; release?: string; health: string }[];
    expect(status.find((r) => r.environment === 'dev')).toMatchObject({ service: 'web', release: '1.0.0', health: 'healthy' });
    expect((await cli('down')).code).toBe(0);
  });
});
