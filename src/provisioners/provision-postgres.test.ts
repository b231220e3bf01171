/**
 * The `postgres` provisioner end to end on a real PostgreSQL server: request → plan → apply →
 * the service's injected URL works → the request goes → plan deletes → apply drops it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceRequest } from '../inputs/schema.js';
import { applyResourcePlan } from './apply.js';
import { databaseName } from './builtin/index.js';
import { serviceResourceOutputs } from './outputs.js';
import { formatResourcePlan, planResources, withoutDeletes } from './plan.js';
import { resolveResourcePlaceholders } from './placeholders.js';
import { requestResources } from './requests.js';
import { ProvisionerSpecs } from './schema.js';
import { openTestContext, planRequests, type TestContext } from './test-context.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestContext();
  await t.secrets.set('pg-admin', t.cluster.url);
});
afterAll(() => t?.close());

const provisioners = ProvisionerSpecs.parse([{ type: 'postgres', provisioner: 'postgres', adminUrl: 'secret:pg-admin' }]);

const planFor = (environment: string, services: Record<string, Record<string, ResourceRequest>>) => planRequests(t, provisioners, environment, services);

/** The env a deploy would give `service`: `DATABASE_URL` from its resource `db`. */
async function envOf(environment: string, service: string): Promise<{ DATABASE_URL: string; secretValues: string[] }> {
  const { outputs, secretValues } = await serviceResourceOutputs(service, await t.store.listResources({ environment }), t.secrets);
  const env = resolveResourcePlaceholders({ DATABASE_URL: '${resources.db.url}' }, outputs);
  return { DATABASE_URL: env.DATABASE_URL!, secretValues };
}

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('postgres provisioner', () => {
  it('gives a service a database it can use with the injected URL; provisioning again changes nothing', async () => {
    const services = { api: { db: { type: 'postgres' } } };
    const plan = await planFor('dev', services);
    expect(formatResourcePlan(plan)).toEqual(['create api.db: api (as db) asks for it; it is not provisioned yet']);
    expect(await applyResourcePlan(plan, t)).toEqual([{ uid: 'api.db', result: 'created' }]);

    const { DATABASE_URL } = await envOf('dev', 'api');
    const name = databaseName('dev', 'api.db');
    expect(await query(DATABASE_URL, 'select current_user as u, current_database() as d')).toEqual([{ u: name, d: name }]);
    await query(DATABASE_URL, 'create table notes (body text); insert into notes values ($$kept$$)');

    expect((await planFor('dev', services)).steps).toEqual([]);
    expect(await applyResourcePlan(plan, t)).toEqual([{ uid: 'api.db', result: 'created' }]);
    expect((await envOf('dev', 'api')).DATABASE_URL).toBe(DATABASE_URL);
    expect(await query(DATABASE_URL, 'select body from notes')).toEqual([{ body: 'kept' }]);
  });

  it("score-compose's starter file connects: its URL built from host, port, name, username and password", async () => {
    await applyResourcePlan(await planFor('starter', { api: { db: { type: 'postgres' } } }), t);
    const { outputs } = await serviceResourceOutputs('api', await t.store.listResources({ environment: 'starter' }), t.secrets);
    const starter = 'postgresql://${resources.db.username}:${resources.db.password}@${resources.db.host}:${resources.db.port}/${resources.db.name}';
    const { URL: url } = resolveResourcePlaceholders({ URL: starter }, outputs);
    expect(outputs.db).toMatchObject({ name: databaseName('starter', 'api.db'), database: databaseName('starter', 'api.db') });
    expect(await query(url!, 'select current_database() as d')).toEqual([{ d: databaseName('starter', 'api.db') }]);
  });

  it('a request that goes is deleted only when a plan that says so is applied; then the database and role are gone', async () => {
    await applyResourcePlan(await planFor('qa', { api: { db: { type: 'postgres' } } }), t);
    const { DATABASE_URL, secretValues } = await envOf('qa', 'api');
    const name = databaseName('qa', 'api.db');

    const plan = await planFor('qa', {});
    expect(formatResourcePlan(plan)).toEqual(['delete api.db: no service asks for it any more (it was used by api (as db))']);
    expect(await applyResourcePlan(withoutDeletes(plan), t)).toEqual([]);
    expect(await query(DATABASE_URL, 'select 1 as one')).toEqual([{ one: 1 }]);

    expect(await applyResourcePlan(plan, t)).toEqual([{ uid: 'api.db', result: 'deleted' }]);
    await expect(query(DATABASE_URL, 'select 1')).rejects.toThrow(/does not exist|authentication failed/);
    expect(await query(t.cluster.url, `select rolname from pg_roles where rolname = '${name}' union all select datname from pg_database where datname = '${name}'`)).toEqual([]);
    expect(await t.store.listResources({ environment: 'qa' })).toEqual([]);
    const stored = await Promise.all((await t.secrets.list()).map((s) => t.secrets.get(s.name)));
    for (const value of secretValues) expect(stored).not.toContain(value);
    expect(await applyResourcePlan(plan, t)).toEqual([{ uid: 'api.db', result: 'deleted' }]);
  });

  it('a resource shared by several services is provisioned once and gives them the same database', async () => {
    const shared = { type: 'postgres', id: 'main' };
    const plan = await planFor('staging', { api: { db: shared }, worker: { db: shared } });
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ kind: 'create', resource: { uid: 'postgres#default#main', usedBy: [{ service: 'api' }, { service: 'worker' }] } });
    await applyResourcePlan(plan, t);
    const [api, worker] = [await envOf('staging', 'api'), await envOf('staging', 'worker')];
    expect(api.DATABASE_URL).toBe(worker.DATABASE_URL);
    const databases = await query(t.cluster.url, `select datname from pg_database where datname like 'slipway_staging%'`);
    expect(databases).toEqual([{ datname: databaseName('staging', 'postgres#default#main') }]);
  });

  it('an admin URL naming a secret that is not set fails clearly, and provisions nothing', async () => {
    const resources = requestResources({
      environment: 'broken',
      services: { api: { resources: { db: { type: 'postgres' } } } },
      provisioners: ProvisionerSpecs.parse([{ type: 'postgres', provisioner: 'postgres', adminUrl: 'secret:no-such-admin' }]),
      workloads: [],
      registry: t.registry,
    });
    await expect(applyResourcePlan(planResources(resources, []), t)).rejects.toThrow(
      'creating resource api.db failed: provisioner postgres (postgres) field adminUrl refers to secret "no-such-admin", which is not set',
    );
    expect(await t.store.listResources({ environment: 'broken' })).toEqual([]);
  });

  it('no secret value appears in plans or recorded outputs', async () => {
    await applyResourcePlan(await planFor('prod', { api: { db: { type: 'postgres' } } }), t);
    const { secretValues } = await envOf('prod', 'api');
    const password = new URL((await envOf('prod', 'api')).DATABASE_URL).password;
    const leaks = [...secretValues, password, t.cluster.url];
    expect(secretValues).toHaveLength(2);

    const records = await t.store.listResources({ environment: 'prod' });
    expect(records[0]?.outputs).toMatchObject({ password: expect.stringMatching(/^secret:resource\.prod\./), url: expect.stringMatching(/^secret:/) });
    const deleting = await planFor('prod', {});
    const updating = planResources(
      requestResources({ environment: 'prod', services: { api: { resources: { db: { type: 'postgres' } } }, web: { resources: { db: { type: 'postgres' } } } }, provisioners, workloads: [], registry: t.registry }),
      records,
    );
    for (const text of [JSON.stringify(records), JSON.stringify(deleting), JSON.stringify(updating), formatResourcePlan(deleting).join('\n')]) {
      for (const leak of leaks) expect(text).not.toContain(leak);
    }
  });
});
