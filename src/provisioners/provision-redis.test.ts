/**
 * The `redis` provisioner end to end on a real redis-server (Debian's): request → plan → apply →
 * the service connects with the outputs score-compose documents, reaches its own keys and nobody
 * else's → its user outlives a restart of the server → the request goes → apply deletes the user
 * and its keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../test/harness/redis.js';
import type { ResourceRequest } from '../inputs/schema.js';
import { applyResourcePlan } from './apply.js';
import { ProvisionerError } from './errors.js';
import { connectRedis, redisUserName, type RedisConnection } from './builtin/index.js';
import { serviceResourceOutputs } from './outputs.js';
import { planResources } from './plan.js';
import { resolveResourcePlaceholders } from './placeholders.js';
import { requestResources } from './requests.js';
import { ProvisionerSpecs } from './schema.js';
import { openTestContext, planRequests, type TestContext } from './test-context.js';

let t: TestContext;
let server: RedisServer;
const open: RedisConnection[] = [];
beforeAll(async () => {
  [t, server] = await Promise.all([openTestContext(), startRedis()]);
  await t.secrets.set('redis-admin', server.url);
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.end()));
  await Promise.all([t?.close(), server?.stop()]);
});

const provisioners = ProvisionerSpecs.parse([
  { type: 'redis', provisioner: 'redis', adminUrl: 'secret:redis-admin' },
  { type: 'redis', class: 'unprefixed', provisioner: 'redis', adminUrl: 'secret:redis-admin', keys: 'all' },
]);

const plan = (environment: string, services: Record<string, Record<string, ResourceRequest>>) => planRequests(t, provisioners, environment, services);

/** The URL a workload builds from score-compose's outputs, as its env would hold it after a deploy. */
async function redisUrlOf(environment: string, service: string, resource = 'cache'): Promise<string> {
  const { outputs } = await serviceResourceOutputs(service, await t.store.listResources({ environment }), t.secrets);
  const r = `resources.${resource}`;
  const env = resolveResourcePlaceholders({ URL: `redis://\${${r}.username}:\${${r}.password}@\${${r}.host}:\${${r}.port}` }, outputs);
  return env.URL!;
}

async function connect(url: string): Promise<RedisConnection> {
  const connection = await connectRedis(url);
  open.push(connection);
  return connection;
}

describe('redis provisioner', () => {
  it("gives a service a user of its own that reaches its own keys, with score-compose's outputs, password kept secret", async () => {
    expect(await applyResourcePlan(await plan('dev', { api: { cache: { type: 'redis' } } }), t)).toEqual([{ uid: 'api.cache', result: 'created' }]);
    const [record] = await t.store.listResources({ environment: 'dev' });
    const user = redisUserName('dev', 'api.cache');
    expect(record!.outputs).toEqual({
      host: '127.0.0.1',
      port: String(server.port),
      username: user,
      prefix: `${user}:`,
      password: expect.stringMatching(/^secret:resource\./),
      url: expect.stringMatching(/^secret:resource\./),
    });

    const api = await connect(await redisUrlOf('dev', 'api'));
    expect(await api.command('ACL', 'WHOAMI')).toBe(user);
    expect(await api.command('SET', `${user}:visits`, '1')).toBe('OK');
    expect(await api.command('INCR', `${user}:visits`)).toBe(2);
    await expect(api.command('SET', 'visits', '1')).rejects.toThrow(/NOPERM/);
    await expect(api.command('FLUSHALL')).rejects.toThrow(/NOPERM/);
    await expect(api.command('CONFIG', 'GET', 'requirepass')).rejects.toThrow(/NOPERM/);
    expect(String(await api.command('INFO', 'server'))).toContain('redis_version');

    // The password lives only in the secret store: the record, the server's file and the URL's user are apart from it.
    const { outputs } = await serviceResourceOutputs('api', await t.store.listResources({ environment: 'dev' }), t.secrets);
    const password = outputs.cache!.password!;
    expect(password.length).toBeGreaterThan(30);
    expect(JSON.stringify(await t.store.listResources({ environment: 'dev' }))).not.toContain(password);
  });

  it('provisioning again keeps the password and the live connection; the user outlives a restart of the server', async () => {
    const url = await redisUrlOf('dev', 'api');
    const api = await connect(url);
    const user = redisUserName('dev', 'api.cache');
    const again = planResources(
      requestResources({ environment: 'dev', services: { api: { resources: { cache: { type: 'redis' } } } }, provisioners, workloads: [], registry: t.registry }),
      [],
    );
    expect(await applyResourcePlan(again, t)).toEqual([{ uid: 'api.cache', result: 'created' }]);
    expect(await redisUrlOf('dev', 'api')).toBe(url);
    expect(await api.command('GET', `${user}:visits`)).toBe('2');

    await server.restart();
    const afterRestart = await connect(url);
    expect(await afterRestart.command('ACL', 'WHOAMI')).toBe(user);
  });

  it("keeps services apart: one cannot read another's keys; `keys: all` reaches every key", async () => {
    await applyResourcePlan(await plan('dev', { api: { cache: { type: 'redis' } }, web: { cache: { type: 'redis' }, store: { type: 'redis', class: 'unprefixed' } } }), t);
    const apiUser = redisUserName('dev', 'api.cache');
    const api = await connect(await redisUrlOf('dev', 'api'));
    const web = await connect(await redisUrlOf('dev', 'web'));
    await api.command('SET', `${apiUser}:secret`, 'api only');
    await expect(web.command('GET', `${apiUser}:secret`)).rejects.toThrow(/NOPERM/);

    const unprefixed = await connect(await redisUrlOf('dev', 'web', 'store'));
    expect(await unprefixed.command('SET', 'anything', 'x')).toBe('OK');
    const { outputs } = await serviceResourceOutputs('web', await t.store.listResources({ environment: 'dev' }), t.secrets);
    expect(Object.keys(outputs.store!).sort()).toEqual(['host', 'password', 'port', 'url', 'username']);
  });

  it('a request that goes is deleted when a plan that says so is applied: its user and keys are gone, its connections closed', async () => {
    const url = await redisUrlOf('dev', 'web');
    const webUser = redisUserName('dev', 'web.cache');
    const web = await connect(url);
    await web.command('SELECT', '3');
    await web.command('SET', `${webUser}:in-db-3`, 'x');
    await web.command('SELECT', '0');
    await web.command('SET', `${webUser}:in-db-0`, 'x');

    const gone = await plan('dev', { api: { cache: { type: 'redis' } }, web: { store: { type: 'redis', class: 'unprefixed' } } });
    expect(gone.steps.map((s) => `${s.kind} ${s.kind === 'delete' ? s.recorded.uid : s.resource.uid}`)).toEqual(['delete web.cache']);
    await applyResourcePlan(gone, t);

    await expect(web.command('PING')).rejects.toThrow(/closed/);
    await expect(connectRedis(url)).rejects.toThrow(/WRONGPASS/);
    const admin = await connect(server.url);
    for (const db of ['0', '3']) {
      await admin.command('SELECT', db);
      expect(await admin.command('SCAN', '0', 'MATCH', `${webUser}:*`, 'COUNT', '1000')).toEqual(['0', []]);
    }
    await admin.command('SELECT', '0');
    expect(await admin.command('GET', 'anything')).toBe('x');
    expect(await admin.command('GET', `${redisUserName('dev', 'api.cache')}:secret`)).toBe('api only');
  });
});

describe('redis provisioner on a server that keeps users only in memory', () => {
  it('refuses, saying why, rather than make a user that a restart would lose', async () => {
    const bare = await startRedis({ users: 'nowhere' });
    try {
      await t.secrets.set('bare-admin', bare.url);
      const specs = ProvisionerSpecs.parse([{ type: 'redis', provisioner: 'redis', adminUrl: 'secret:bare-admin' }]);
      const resources = requestResources({ environment: 'bare', services: { api: { resources: { cache: { type: 'redis' } } } }, provisioners: specs, workloads: [], registry: t.registry });
      const failure = applyResourcePlan(planResources(resources, []), t);
      await expect(failure).rejects.toThrow(ProvisionerError);
      await expect(failure).rejects.toThrow(/keeps its users only in memory .* give it an aclfile or start it with a configuration file/);
      expect(await t.store.listResources({ environment: 'bare' })).toEqual([]);
      const admin = await connect(bare.url);
      expect(JSON.stringify(await admin.command('ACL', 'USERS'))).toBe('["default"]');
    } finally {
      await bare.stop();
    }
  });
});

describe('redis provisioner on a server with an aclfile', () => {
  it('saves the user there, so that it outlives a restart; deleting saves its removal', async () => {
    const withAclfile = await startRedis({ users: 'aclfile' });
    try {
      await t.secrets.set('acl-admin', withAclfile.url);
      const specs = ProvisionerSpecs.parse([{ type: 'redis', provisioner: 'redis', adminUrl: 'secret:acl-admin' }]);
      const ask = (services: Record<string, { resources: Record<string, ResourceRequest> }>) =>
        requestResources({ environment: 'acl', services, provisioners: specs, workloads: [], registry: t.registry });
      await applyResourcePlan(planResources(ask({ api: { resources: { cache: { type: 'redis' } } } }), []), t);
      const url = await redisUrlOf('acl', 'api');
      await withAclfile.restart();
      expect(await (await connect(url)).command('ACL', 'WHOAMI')).toBe(redisUserName('acl', 'api.cache'));

      await applyResourcePlan(planResources(ask({}), await t.store.listResources({ environment: 'acl' })), t);
      await withAclfile.restart();
      await expect(connectRedis(url)).rejects.toThrow(/WRONGPASS/);
    } finally {
      await withAclfile.stop();
    }
  });
});
