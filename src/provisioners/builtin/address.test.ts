import { describe, expect, it } from 'vitest';
import { ProvisionerSpec } from '../schema.js';
import { routeProvisioner } from './route.js';
import { serviceProvisioner } from './service.js';

const base = { environment: 'dev', uid: 'api.x', type: 't', class: null, id: null, usedBy: [{ service: 'api', resource: 'x' }] };

describe('address provisioners', () => {
  it('route: defaults the host to <service>.<environment>.<domain>, and builds the URL with scheme and port', async () => {
    const spec = ProvisionerSpec.parse({ type: 'route', provisioner: 'route', domain: 'apps.test', scheme: 'https', port: 8443 });
    if (spec.provisioner !== 'route') throw new Error('parsed as another provisioner');
    const route = routeProvisioner();
    const params = route.prepare({ environment: 'dev', service: 'api', resource: 'www', id: null, params: { path: '/v1' }, spec, workloads: [] });
    expect(params).toEqual({ host: 'api.dev.apps.test', path: '/v1' });
    expect(await route.provision({ ...base, spec, params })).toEqual({ outputs: { host: 'api.dev.apps.test', path: '/v1', url: 'https://api.dev.apps.test:8443/v1' } });
  });

  it('service: outputs host, port and url of the addressed workload', async () => {
    const spec = ProvisionerSpec.parse({ type: 'service', provisioner: 'service' });
    if (spec.provisioner !== 'service') throw new Error('parsed as another provisioner');
    const service = serviceProvisioner();
    const params = service.prepare({ environment: 'dev', service: 'web', resource: 'api', id: null, params: {}, spec, workloads: [{ service: 'api', host: '10.0.0.7', ports: { http: 3000 } }] });
    expect(await service.provision({ ...base, spec, params })).toEqual({ outputs: { host: '10.0.0.7', port: '3000', url: 'http://10.0.0.7:3000' } });
  });
});
