import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../store/types.js';
import { formatResourcePlan, planResources, withoutDeletes } from './plan.js';
import type { RequestedResource } from './types.js';

const at = new Date('2030-01-01T00:00:00Z');

function requested(uid: string, over: Partial<RequestedResource> = {}): RequestedResource {
  return {
    environment: 'dev',
    uid,
    type: 'route',
    class: null,
    id: null,
    spec: { type: 'route', provisioner: 'route', domain: 'localhost', scheme: 'http' },
    params: {},
    paramsHash: 'h1',
    usedBy: [{ service: 'api', resource: 'www' }],
    ...over,
  };
}

function recorded(uid: string, over: Partial<ResourceRecord> = {}): ResourceRecord {
  const { spec, ...rest } = requested(uid);
  return { ...rest, provisioner: spec, outputs: { url: 'http://x/' }, createdAt: at, updatedAt: at, ...over };
}

describe('planResources', () => {
  it('creates what is not recorded, updates what changed, deletes what nobody asks for, each with a reason', () => {
    const plan = planResources(
      [
        requested('b.new'),
        requested('c.params', { paramsHash: 'h2' }),
        requested('d.users', { usedBy: [{ service: 'api', resource: 'www' }, { service: 'web', resource: 'www' }] }),
        requested('e.same'),
        requested('f.kind', { spec: { type: 'route', provisioner: 'cmd', command: 'x', args: [], timeoutSeconds: 1 } }),
      ],
      [recorded('a.gone'), recorded('c.params'), recorded('d.users'), recorded('e.same'), recorded('f.kind')],
    );
    expect(formatResourcePlan(plan)).toEqual([
      'create b.new: api (as www) asks for it; it is not provisioned yet',
      'update c.params: its provisioner definition or params changed',
      'update d.users: it is now used by api (as www), web (as www) (it was used by api (as www))',
      'update f.kind: its provisioner changed from route to cmd',
      'delete a.gone: no service asks for it any more (it was used by api (as www))',
    ]);
    expect(plan.steps[3]).toMatchObject({ kind: 'update', recorded: { uid: 'f.kind' } });
  });

  it('nothing to do is an empty plan; the order of the inputs does not matter', () => {
    expect(planResources([requested('a'), requested('b')], [recorded('b'), recorded('a')])).toEqual({ steps: [] });
    const one = planResources([requested('x'), requested('y')], [recorded('z'), recorded('w')]);
    const two = planResources([requested('y'), requested('x')], [recorded('w'), recorded('z')]);
    expect(one).toEqual(two);
  });

  it('withoutDeletes keeps creates and updates only', () => {
    const plan = planResources([requested('new'), requested('changed', { paramsHash: 'h9' })], [recorded('changed'), recorded('old')]);
    expect(withoutDeletes(plan).steps.map((s) => s.kind)).toEqual(['update', 'create']);
  });

  it('a resource whose params use outputs this plan changes waits for the next round, and so do those that use its outputs', () => {
    const plan = planResources(
      [requested('dns', { paramsHash: 'h2' }), requested('www', { dependsOn: ['dns'] }), requested('cdn', { dependsOn: ['www'] }), requested('new', { dependsOn: ['x'], waitsFor: ['x'] }), requested('x')],
      [recorded('dns'), recorded('www'), recorded('cdn')],
    );
    expect(formatResourcePlan(plan)).toEqual([
      'update dns: its provisioner definition or params changed',
      'create x: api (as www) asks for it; it is not provisioned yet',
      'later cdn: its params use outputs of www, which this plan changes first; planned once they are applied',
      'later new: its params use outputs of x, not provisioned yet; planned once they are applied',
      'later www: its params use outputs of dns, which this plan changes first; planned once they are applied',
    ]);
    expect(withoutDeletes(plan).waiting).toHaveLength(3);
    expect(planResources([requested('dns'), requested('www', { dependsOn: ['dns'] })], [recorded('dns'), recorded('www')])).toEqual({ steps: [] });
  });
});
