/**
 * The provisioners that need no server, through request → plan → apply → the outputs a workload
 * reads: `service-port`, `dns`, `route` (as score-compose's and score-k8s's requests write them)
 * and `volume`, whose directory is really made, kept and removed.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceRequest } from '../inputs/schema.js';
import { applyResourcePlan } from './apply.js';
import { serviceResourceOutputs } from './outputs.js';
import { planResources } from './plan.js';
import { requestResources } from './requests.js';
import { ProvisionerSpecs } from './schema.js';
import { openTestContext, type TestContext } from './test-context.js';
import type { WorkloadAddress } from './types.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestContext();
});
afterAll(() => t?.close());

const provisioners = ProvisionerSpecs.parse([
  { type: 'service-port', provisioner: 'service-port' },
  { type: 'dns', provisioner: 'dns' },
  { type: 'route', provisioner: 'route', port: 8080 },
  { type: 'volume', provisioner: 'volume' },
]);
const workloads: WorkloadAddress[] = [{ service: 'api', host: '10.0.0.7', ports: { web: 8080, admin: 'auto' } }];

function requested(environment: string, services: Record<string, Record<string, ResourceRequest>>) {
  return requestResources({
    environment,
    services: Object.fromEntries(Object.entries(services).map(([name, resources]) => [name, { resources }])),
    provisioners,
    workloads,
    registry: t.registry,
  });
}

/** Plans and applies what `services` ask of `environment`, deletes included; then `service`'s outputs by resource name. */
async function provision(environment: string, services: Record<string, Record<string, ResourceRequest>>, service: string) {
  const plan = planResources(requested(environment, services), await t.store.listResources({ environment }));
  await applyResourcePlan(plan, t);
  return (await serviceResourceOutputs(service, await t.store.listResources({ environment }), t.secrets)).outputs;
}

describe('provisioners without a server', () => {
  it("service-port: score-compose's hostname and port of the named workload's named port", async () => {
    const outputs = await provision('dev', { web: { backend: { type: 'service-port', params: { workload: 'api', port: 'web' } } } }, 'web');
    expect(outputs.backend).toEqual({ hostname: '10.0.0.7', port: '8080' });
  });

  it('service-port: a missing param, an unknown workload or port, or an auto port is refused, each named', () => {
    const ask = (params: Record<string, unknown>) => () => requested('dev', { web: { backend: { type: 'service-port', params } } });
    expect(ask({ port: 'web' })).toThrow(/params\.workload: expected the target workload's name/);
    expect(ask({ workload: 'api' })).toThrow(/params\.port: expected the name of the target workload's port/);
    expect(ask({ workload: 'db', port: 'web' })).toThrow(/there is no service "db" in environment dev/);
    expect(ask({ workload: 'api', port: 'grpc' })).toThrow(/service api has no port "grpc" \(its ports: web, admin\)/);
    expect(ask({ workload: 'api', port: 'admin' })).toThrow(/port "admin" of service api is allocated when it starts \(auto\)/);
  });

  it('dns: a host name of its own under the environment, the same every time, distinct per resource', async () => {
    const first = await provision('dev', { web: { dns: { type: 'dns' }, other: { type: 'dns' } } }, 'web');
    expect(first.dns!.host).toMatch(/^web-dns-[0-9a-f]{8}\.dev\.localhost$/);
    expect(first.other!.host).not.toBe(first.dns!.host);
    const again = await provision('dev', { web: { dns: { type: 'dns' }, other: { type: 'dns' } } }, 'web');
    expect(again.dns).toEqual(first.dns);
    const inStaging = await provision('staging', { web: { dns: { type: 'dns' } } }, 'web');
    expect(inStaging.dns!.host).toMatch(/\.staging\.localhost$/);
  });

  it("route: takes score's host, path and port params and gives its URL", async () => {
    const outputs = await provision('dev', { web: { route: { type: 'route', params: { host: 'web.example.test', path: '/api', port: 'web' } } } }, 'web');
    expect(outputs.route).toEqual({ host: 'web.example.test', path: '/api', url: 'http://web.example.test:8080/api' });
    expect(() => requested('dev', { web: { route: { type: 'route', params: { host: 'x', path: 'api' } } } })).toThrow(/params\.path/);
  });

  it('volume: a private directory of its own, kept with its contents when provisioned again, removed when deleted', async () => {
    const outputs = await provision('dev', { web: { data: { type: 'volume' }, cache: { type: 'volume' } } }, 'web');
    const { source, type } = outputs.data!;
    expect(type).toBe('bind');
    expect(source).toMatch(new RegExp(`^${t.dir}/\\.slipway/volumes/`));
    expect(statSync(source!).isDirectory()).toBe(true);
    expect(statSync(source!).mode & 0o777).toBe(0o700);
    expect(outputs.cache!.source).not.toBe(source);
    writeFileSync(join(source!, 'kept'), 'yes');

    expect((await provision('dev', { web: { data: { type: 'volume' }, cache: { type: 'volume' } } }, 'web')).data).toEqual(outputs.data);
    expect(existsSync(join(source!, 'kept'))).toBe(true);

    await provision('dev', { web: { cache: { type: 'volume' } } }, 'web');
    expect(existsSync(source!)).toBe(false);
    expect(existsSync(outputs.cache!.source!)).toBe(true);
  });
});
