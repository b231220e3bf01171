/**
 * Input aggregation end to end, through the CLI: a Backstage Component onboarded with its Score
 * file, a PostgreSQL database provisioned on a real server for it (reachable with the injected
 * URL, removed only when a person applies a plan that says so), and a secret that never leaks.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from './harness/postgres.js';
import { killPids, processesUnder, runCli, type CliResult } from './helpers/cli.js';
import { unusedPort } from './helpers/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-score-'));
const SECRET = `tok-${Math.random().toString(36).slice(2)}-do-not-print`;
let cluster: PostgresCluster;
const outputs: CliResult[] = [];
const cli = async (args: string[], input?: string) => {
  const result = await runCli(['--project', dir, ...args], { ...(input !== undefined && { input }) });
  outputs.push(result);
  return result;
};

function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

beforeAll(async () => {
  cluster = await startPostgres();
  cpSync(resolve(import.meta.dirname, '../examples/score'), dir, { recursive: true });
  const score = join(dir, 'orders', 'score.yaml');
  writeFileSync(score, readFileSync(score, 'utf8').replaceAll('8080', String(unusedPort())).replace('      PRICE_FORMAT:', '      API_TOKEN: secret:api-token\n      PRICE_FORMAT:'));
  writeFileSync(join(dir, 'platform.yaml'), `owner: platform\nprovisioners:\n  - { type: postgres, provisioner: postgres, adminUrl: "secret:pg-admin" }\n`);
  writeFileSync(join(dir, 'slipway.yaml'), readFileSync(join(dir, 'slipway.yaml'), 'utf8').replace('project: shop\n', 'project: shop\nlayers: [platform.yaml]\n'));
});

afterAll(async () => {
  await runCli(['--project', dir, 'down']);
  killPids(processesUnder(dir));
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Score, catalog, resources and secrets', () => {
  it('onboards the Component with its Score file, keeping the project file as written', async () => {
    const before = readFileSync(join(dir, 'slipway.yaml'), 'utf8');
    const onboard = await cli(['onboard', join(dir, 'orders', 'catalog-info.yaml')]);
    expect(onboard.code).toBe(0);
    const after = readFileSync(join(dir, 'slipway.yaml'), 'utf8');
    expect(after.startsWith(before.slice(0, before.indexOf('environments:')))).toBe(true);
    expect(after).toMatch(/scoreFiles:[\s\S]*orders\/score\.yaml/);
    const explain = JSON.parse((await cli(['explain', 'orders', '--env', 'dev', '--json'])).stdout) as { owner: string; fields: { path: string; value: unknown }[] };
    expect(explain.owner).toBe('payments');
    expect(explain.fields.find((f) => f.path === 'workload.env.API_TOKEN')?.value).toBe('secret:api-token');
  });

  it('refuses to deploy while a secret it needs is missing, naming the variable and the secret', async () => {
    await cli(['secret', 'set', 'pg-admin'], cluster.url);
    const deploy = await cli(['deploy', 'orders', '--env', 'dev']);
    expect(deploy.code).toBe(1);
    expect(deploy.stdout + deploy.stderr).toMatch(/API_TOKEN.*api-token/);
  });

  it('provisions a real database, injects its URL and the secret, and never prints the secret', async () => {
    expect((await cli(['secret', 'set', 'api-token'], `${SECRET}\n`)).code).toBe(0);
    const list = await cli(['secret', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name)).toEqual(expect.arrayContaining(['api-token', 'pg-admin']));
    expect(list.stdout).not.toContain(SECRET);
    const deploy = await cli(['deploy', 'orders', '--env', 'dev']);
    expect(deploy.code, deploy.stderr).toBe(0);

    const [pid] = processesUnder(dir);
    const env = environOf(pid!);
    expect(env.API_TOKEN).toBe(SECRET);
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    expect((await client.query('select current_database() as db')).rows[0].db).toMatch(/shop/);
    await client.end();

    await cli(['status', '--json']);
    await cli(['events', '--json']);
    await cli(['history', 'orders', '--json']);
    await cli(['explain', 'orders', '--env', 'dev', '--json']);
    await cli(['logs', 'orders', '--env', 'dev']);
    await cli(['resources', 'plan', '--env', 'dev', '--json']);
    for (const output of outputs) expect(output.stdout + output.stderr).not.toContain(SECRET);
  }, 180_000); // a dozen CLI runs and a real PostgreSQL: 20 s on a quiet machine, up to 52 s in a full CI run

  it('removes the database only when the plan says so and a person applies it', async () => {
    const [pid] = processesUnder(dir);
    const url = environOf(pid!).DATABASE_URL!;
    const score = join(dir, 'orders', 'score.yaml');
    const text = readFileSync(score, 'utf8');
    writeFileSync(score, text.replace(/ {6}DATABASE_URL: .*\n/, '').replace(/resources:\n {2}db:[\s\S]*$/, ''));
    expect((await cli(['deploy', 'orders', '--env', 'dev'])).code).toBe(0);
    const still = new pg.Client({ connectionString: url });
    await still.connect(); // a deployment never deletes
    await still.end();
    const plan = await cli(['resources', 'plan', '--env', 'dev']);
    expect(plan.stdout).toMatch(/^delete postgres#default#shop-db: /m);
    expect((await cli(['resources', 'apply', '--env', 'dev'])).stdout).toMatch(/postgres#default#shop-db deleted/);
    const gone = new pg.Client({ connectionString: url });
    await expect(gone.connect()).rejects.toThrow();
    await gone.end().catch(() => undefined);
  }, 180_000);
});
