import { describe, expect, it } from 'vitest';
import type { ResourceRequest } from '../inputs/schema.js';
import { builtinProvisioners } from './builtin/index.js';
import { ResourceRequestError } from './errors.js';
import { matchProvisioner } from './match.js';
import { requestResources } from './requests.js';
import { ProvisionerSpecs, type ProvisionerSpec } from './schema.js';
import type { WorkloadAddress } from './types.js';

const specs: ProvisionerSpec[] = ProvisionerSpecs.parse([
  { type: 'postgres', provisioner: 'postgres', adminUrl: 'secret:pg-admin' },
  { type: 'postgres', class: 'large', provisioner: 'cmd', command: './large-pg' },
  { type: 'postgres', id: 'main', provisioner: 'postgres', adminUrl: 'postgres://main/postgres' },
  { type: 'postgres', class: 'large', id: 'main', provisioner: 'cmd', command: './main-large' },
  { type: 'route', provisioner: 'route', domain: 'example.test' },
  { type: 'route', provisioner: 'cmd', command: './never-chosen' },
  { type: 'service', provisioner: 'service' },
]);

const registry = builtinProvisioners();
const workloads: WorkloadAddress[] = [
  { service: 'web', host: '127.0.0.1', ports: { http: 8080, admin: 'auto' } },
  { service: 'api', host: '127.0.0.1', ports: { grpc: 9000 } },
];

function request(services: Record<string, Record<string, ResourceRequest>>, recorded?: Record<string, Record<string, string>>) {
  return requestResources({
    environment: 'dev',
    services: Object.fromEntries(Object.entries(services).map(([name, resources]) => [name, { resources }])),
    provisioners: specs,
    workloads,
    registry,
    recorded,
  });
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceRequestError);
    return (error as ResourceRequestError).problems;
  }
  throw new Error('expected a ResourceRequestError');
}

describe('matchProvisioner', () => {
  it('the most specific definition wins: id over class over neither; the first among equals', () => {
    const kind = (r: ResourceRequest) => {
      const spec = matchProvisioner(r, specs);
      return spec && (spec.provisioner === 'cmd' ? spec.command : spec.provisioner);
    };
    expect(kind({ type: 'postgres' })).toBe('postgres');
    expect(kind({ type: 'postgres', class: 'large' })).toBe('./large-pg');
    expect(kind({ type: 'postgres', class: 'small' })).toBe('postgres');
    expect(kind({ type: 'postgres', id: 'main' })).toBe('postgres');
    expect(matchProvisioner({ type: 'postgres', id: 'main' }, specs)).toMatchObject({ adminUrl: 'postgres://main/postgres' });
    expect(kind({ type: 'postgres', class: 'large', id: 'main' })).toBe('./main-large');
    expect(kind({ type: 'route' })).toBe('route');
    expect(kind({ type: 'redis' })).toBeUndefined();
  });

  it('a definition with class `default` matches requests that name no class', () => {
    const onlyDefault = ProvisionerSpecs.parse([{ type: 'route', class: 'default', provisioner: 'route' }]);
    expect(matchProvisioner({ type: 'route' }, onlyDefault)).toBeDefined();
    expect(matchProvisioner({ type: 'route', class: 'internal' }, onlyDefault)).toBeUndefined();
  });
});

describe('requestResources', () => {
  it('requests with the same type, class and id are one resource, used by all of them; others are private', () => {
    const resources = request({
      worker: { store: { type: 'postgres', id: 'shared' } },
      api: { db: { type: 'postgres', id: 'shared' }, own: { type: 'postgres' } },
    });
    expect(resources.map((r) => [r.uid, r.usedBy])).toEqual([
      ['api.own', [{ service: 'api', resource: 'own' }]],
      [
        'postgres#default#shared',
        [
          { service: 'api', resource: 'db' },
          { service: 'worker', resource: 'store' },
        ],
      ],
    ]);
  });

  it('no matching provisioner is an error naming the service, the resource and the available provisioners; all are listed', () => {
    const problems = problemsOf(() => request({ api: { cache: { type: 'redis', class: 'small' } }, web: { queue: { type: 'amqp' } } }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      'service api asks for resource "cache" (type redis, class small), and no provisioner matches it; available provisioners: ' +
        'postgres (postgres), postgres/large (cmd), postgres#main (postgres), postgres/large#main (cmd), route (route), route (cmd), service (service)',
    );
    expect(problems[1]).toContain('service web asks for resource "queue" (type amqp)');
  });

  it('invalid params are errors naming the param', () => {
    const problems = problemsOf(() => request({ api: { db: { type: 'postgres', params: { size: 3 } }, www: { type: 'route', params: { path: 'no-slash' } } } }));
    expect(problems[0]).toMatch(/resource "db".*params: Unrecognized key: "size"/);
    expect(problems[1]).toMatch(/resource "www".*params\.path/);
  });

  it('shared requests with other params are an error naming both services', () => {
    const problems = problemsOf(() =>
      request({
        api: { www: { type: 'route', id: 'front', params: { host: 'a.test' } } },
        web: { www: { type: 'route', id: 'front', params: { host: 'b.test' } } },
      }),
    );
    expect(problems).toEqual([expect.stringMatching(/^service web asks for resource "www".*but service api asks for the same shared resource route#default#front/)]);
  });

  it('service resources resolve another workload\'s address from data, and say why they cannot', () => {
    const [web] = request({ api: { web: { type: 'service' } } });
    expect(web?.params).toEqual({ service: 'web', port: 'http', host: '127.0.0.1', number: 8080 });
    expect(request({ web: { backend: { type: 'service', params: { service: 'api' } } } })[0]?.params).toMatchObject({ port: 'grpc', number: 9000 });
    const problems = problemsOf(() =>
      request({ api: { gone: { type: 'service' }, admin: { type: 'service', params: { service: 'web', port: 'admin' } }, nope: { type: 'service', params: { service: 'web', port: 'x' } } } }),
    );
    expect(problems).toEqual([
      expect.stringContaining('port "admin" of service web is allocated when it starts (auto)'),
      expect.stringContaining('there is no service "gone" in environment dev'),
      expect.stringContaining('service web has no port "x" (its ports: http, admin)'),
    ]);
  });

  it('the params hash changes with the definition and the params, not with the order of services', () => {
    const one = request({ api: { www: { type: 'route', params: { host: 'a.test' } } } })[0]!;
    const two = request({ api: { www: { type: 'route', params: { host: 'b.test' } } } })[0]!;
    expect(one.paramsHash).not.toBe(two.paramsHash);
    const shared = { type: 'postgres', id: 'x' };
    expect(request({ a: { db: shared }, b: { db: shared } })).toEqual(request({ b: { db: shared }, a: { db: shared } }));
  });
});

describe('placeholders in params', () => {
  const route = { type: 'route', params: { host: '${resources.dns.host}', path: '/$${x}' } };
  const dns = { type: 'route', params: { host: 'dns.test' } };

  it('waits for a resource whose outputs the params use while it is not provisioned, params as written', () => {
    const [, www] = request({ api: { www: route, dns } });
    expect(www).toMatchObject({ uid: 'api.www', dependsOn: ['api.dns'], waitsFor: ['api.dns'], params: route.params });
  });

  it('fills them from the recorded outputs (and undoes $$) before the provisioner checks and completes the params', () => {
    const [, www] = request({ api: { www: route, dns } }, { 'api.dns': { host: 'api.example.test', url: 'http://api.example.test/' } });
    expect(www).toMatchObject({ uid: 'api.www', dependsOn: ['api.dns'], params: { host: 'api.example.test', path: '/${x}' } });
    expect(www?.waitsFor).toBeUndefined();
  });

  it('names an unknown resource, a missing output with the outputs there are, a secret output and a cycle', () => {
    const problems = problemsOf(() =>
      request(
        {
          api: {
            www: { type: 'route', params: { host: '${resources.dsn.host}' } },
            dns,
            a: { type: 'route', params: { host: '${resources.dns.hots}' } },
            b: { type: 'route', params: { host: 'x${resources.db.password}' } },
            db: { type: 'postgres' },
          },
          web: { one: { type: 'route', params: { host: '${resources.two.host}' } }, two: { type: 'route', params: { host: '${resources.one.host}' } } },
        },
        { 'api.dns': { host: 'h.test' }, 'api.db': { password: 'secret:resource.dev.api-db.password' } },
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/resource "a" .*param host: cannot resolve \$\{resources\.dns\.hots\} \(resource dns has outputs host\)$/),
      expect.stringMatching(/resource "b" .*param host: output password of resource db is a secret, and params are recorded in the clear/),
      expect.stringMatching(/resource "www" .*its params use outputs of "dsn", which the service does not ask for \(it has a, b, db, dns, www\)$/),
      "resources web.one → web.two → web.one use each other's outputs in their params; none can be provisioned first",
    ]);
  });

  it("gives a route the host of a dns resource, as Score's examples write it, once the dns resource is provisioned", async () => {
    const provisioners = ProvisionerSpecs.parse([
      { type: 'dns', provisioner: 'dns' },
      { type: 'route', provisioner: 'route', domain: 'example.test' },
    ]);
    const resources = { dns: { type: 'dns' }, route: { type: 'route', params: { host: '${resources.dns.host}', path: '/', port: 8080 } } };
    const ask = (recorded?: Record<string, Record<string, string>>) => requestResources({ environment: 'dev', services: { web: { resources } }, provisioners, workloads, registry, recorded });
    const [dns, waiting] = ask();
    expect(waiting?.waitsFor).toEqual(['web.dns']);
    const host = (await registry.dns.provision({ ...dns!, spec: dns!.spec as never })).outputs.host!;
    const [, route] = ask({ 'web.dns': { host } });
    expect(route?.params).toMatchObject({ host, path: '/' });
    expect((await registry.route.provision({ ...route!, spec: route!.spec as never })).outputs.url).toBe(`http://${host}/`);
  });
});
