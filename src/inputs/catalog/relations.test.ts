import { describe, expect, it } from 'vitest';
import { dependenciesOf, parseEntityRef, slipwayName } from './relations.js';
import type { ResourceEntity } from './schema.js';

const resource = (name: string, type: string, namespace?: string): ResourceEntity => ({ kind: 'Resource', metadata: { name, ...(namespace && { namespace }) }, spec: { type } });

describe('parseEntityRef', () => {
  it.each([
    ['component:shop/web', { kind: 'component', namespace: 'shop', name: 'web' }],
    ['Component:web', { kind: 'component', namespace: 'payments', name: 'web' }],
    ['web', { kind: 'component', namespace: 'payments', name: 'web' }],
    ['resource:default/db', { kind: 'resource', namespace: 'default', name: 'db' }],
  ])('reads %s with the referring entity\'s namespace as default', (ref, expected) => {
    expect(parseEntityRef(ref, { kind: 'component', namespace: 'payments' })).toEqual(expected);
  });

  it('gives undefined for a malformed reference', () => {
    expect(parseEntityRef('component:a/b/c', { kind: 'component', namespace: 'default' })).toBeUndefined();
  });
});

describe('slipwayName', () => {
  it('keeps the name in the default namespace and prefixes the namespace elsewhere', () => {
    expect([slipwayName(undefined, 'web'), slipwayName('default', 'web'), slipwayName('shop', 'web')]).toEqual(['web', 'web', 'shop-web']);
  });
});

describe('dependenciesOf', () => {
  it('makes services of components and resource requests of known resource types, noting the rest', () => {
    const resources = [resource('cache', 'cache', 'shop'), resource('db', 'PostgreSQL'), resource('queue', 'kafka-topic', 'shop')];
    expect(dependenciesOf(['component:cart', 'component:default/web', 'resource:cache', 'resource:default/db', 'resource:queue', 'api:orders', 'component:Big_Name'], 'shop', resources)).toEqual({
      services: ['shop-cart', 'web'],
      resources: { 'shop-cache': { type: 'redis', id: 'shop-cache' }, db: { type: 'postgres', id: 'db' } },
      notes: [
        `dependsOn resource:queue: Slipway provisions no resource of type "kafka-topic" (it knows database, postgres, postgresql, cache, redis); add it under the service's resources: by hand`,
        'dependsOn api:orders: only components and resources become dependencies, not kind api; left out',
        'dependsOn component:Big_Name: "shop-Big_Name" is no Slipway service name; left out',
      ],
    });
  });
});
