/**
 * `GET /api/v1/entities/{ref}`: what a Backstage card asks of a Component — the service onboarded
 * from it, its catalog fields, and per environment its release, status and the caller's actions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionChoice, Operations, ServiceSummary, StatusRow } from '../engine/index.js';
import type { Principal } from './access.js';
import { buildApp } from './app.js';
import { routes } from './routes.js';

const SERVICES: ServiceSummary[] = [
  { name: 'web', owner: 'jdoe', catalog: { entityRef: 'component:default/web', owner: 'user:default/jdoe', lifecycle: 'production' }, buildable: false },
  {
    name: 'shop-web',
    owner: 'shop-team',
    description: 'The shop front.',
    catalog: { entityRef: 'component:shop/web', system: 'shop', owner: 'group:default/shop-team', lifecycle: 'production', providesApis: ['web-api'], consumesApis: ['orders-api'] },
    buildable: false,
  },
  { name: 'batch', buildable: false },
];

const row = (service: string, environment: string, release?: string): StatusRow => ({
  service,
  environment,
  ...(release !== undefined && { release }),
  running: release === undefined ? [] : [release],
  health: release === undefined ? 'not-deployed' : 'healthy',
  ready: release === undefined ? 0 : 1,
  replicas: 1,
  restarts: 0,
  endpoints: release === undefined ? [] : ['http://10.0.0.5:8080'],
  instances: [],
});

const ops = {
  services: async () => SERVICES,
  status: async () => [row('web', 'dev', 'v1'), row('shop-web', 'dev', 'v2'), row('shop-web', 'prod')],
  actions: async (service: string, environment: string): Promise<ActionChoice[]> => [
    { action: 'deploy', plan: [`deploy ${service} into ${environment}`], request: { service, environment } },
    environment === 'prod'
      ? { action: 'promote', plan: [`promote ${service} v2 (the release in dev) into prod`], request: { service, environment, version: 'v2' } }
      : { action: 'promote', blocked: 'dev promotes from no environment: deploy into it', plan: [] },
  ],
} as unknown as Operations;

const CALLERS: Record<string, Principal> = {
  viewer: { name: 'viv', role: 'viewer', environments: [], groups: [] },
  deployer: { name: 'dee', role: 'deployer', environments: ['dev'], groups: [] },
};

const app = buildApp({ ops, routes: [routes.entity], identify: async (headers) => CALLERS[String(headers.authorization)] });
afterAll(() => app.close());

const get = (ref: string, as = 'deployer') => app.inject({ url: `/api/v1/entities/${ref}`, headers: { authorization: as } });

describe('GET /api/v1/entities/{ref}', () => {
  it('answers a Component in a namespace: the service, its catalog fields, and each environment with its release, status and actions', async () => {
    const answer = await get(encodeURIComponent('component:shop/web'));
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({
      name: 'shop-web',
      owner: 'shop-team',
      description: 'The shop front.',
      catalog: SERVICES[1]!.catalog,
      buildable: false,
      environments: [
        {
          environment: 'dev',
          release: 'v2',
          running: ['v2'],
          health: 'healthy',
          ready: 1,
          replicas: 1,
          restarts: 0,
          endpoints: ['http://10.0.0.5:8080'],
          actions: [
            { action: 'deploy', plan: ['deploy shop-web into dev'], request: { service: 'shop-web', environment: 'dev' } },
            { action: 'promote', blocked: 'dev promotes from no environment: deploy into it', plan: [] },
          ],
        },
        {
          environment: 'prod',
          running: [],
          health: 'not-deployed',
          ready: 0,
          replicas: 1,
          restarts: 0,
          endpoints: [],
          actions: [
            { action: 'deploy', blocked: expect.stringContaining('prod'), plan: ['deploy shop-web into prod'] },
            { action: 'promote', blocked: expect.stringContaining('prod'), plan: ['promote shop-web v2 (the release in dev) into prod'] },
          ],
        },
      ],
    });
  });

  it('takes component:<name> (and <name>) as the default namespace, and compares as Backstage does, ignoring case', async () => {
    for (const ref of ['component:web', 'component%3Aweb', 'web', encodeURIComponent('Component:Default/Web')]) {
      expect((await get(ref)).json(), ref).toMatchObject({ name: 'web', catalog: { entityRef: 'component:default/web' } });
    }
  });

  it('shows a viewer what it may not do, and why', async () => {
    const { environments } = (await get(encodeURIComponent('component:shop/web'), 'viewer')).json<{ environments: { actions: { blocked?: string; request?: unknown }[] }[] }>();
    for (const action of environments.flatMap((e) => e.actions)) expect(action).toMatchObject({ blocked: expect.any(String) });
    expect(environments[0]!.actions[0]!.blocked).toBe('viv has the viewer role; deploy a service into an environment needs deployer or admin');
  });

  it('answers 404 naming the references it has for an entity no service was onboarded from', async () => {
    const answer = await get(encodeURIComponent('component:shop/cart'));
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      error: { code: 'not-found', message: 'no service was onboarded from the entity "component:shop/cart"; the project has component:default/web, component:shop/web' },
    });
    expect((await get(encodeURIComponent('api:shop/web'))).statusCode).toBe(404);
  });

  it('refuses a reference no catalog could hold, and a caller without a token', async () => {
    expect((await get(encodeURIComponent('component:shop/<web>'))).statusCode).toBe(422);
    expect((await get('web', 'nobody')).statusCode).toBe(401);
  });
});
