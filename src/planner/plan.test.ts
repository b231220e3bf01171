import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unitId, type DesiredUnit, type ObservedUnit, type ReleaseRef, type UnitKey } from '../desired/types.js';
import { applyPlanEffects } from './effects.js';
import { plan } from './plan.js';
import { stepKey } from './types.js';

function ref(version: string, id = `rel-${version}`): ReleaseRef {
  return { id, version, artifactDigest: null };
}

function desired(service: string, environment: string, target: string, changes: Partial<DesiredUnit> = {}): DesiredUnit {
  return {
    service,
    environment,
    target,
    release: ref('1.1.0'),
    workload: { command: 'node', args: [], workingDir: '/srv', env: {}, ports: {} },
    replicas: 1,
    configHash: 'config-a',
    ...changes,
  };
}

/** What a runtime would report for `unit` once it runs as desired, with `changes`. */
function observedOf(unit: DesiredUnit | UnitKey, changes: Partial<ObservedUnit> = {}): ObservedUnit {
  const d = 'release' in unit ? unit : desired(unit.service, unit.environment, unit.target);
  return {
    service: d.service,
    environment: d.environment,
    target: d.target,
    release: d.release,
    configHash: d.configHash,
    replicas: d.replicas,
    instances: [],
    health: 'healthy',
    ...changes,
  };
}

const api = desired('api', 'dev', 'local');

describe('plan', () => {
  it('deploys a unit that is desired and not running', () => {
    expect(plan({ units: [api] }, { units: [] })).toEqual({
      steps: [{ kind: 'deploy', unit: api, reason: 'api is not running in dev on local' }],
      unchanged: [],
    });
  });

  it('deploys over another release, naming both versions', () => {
    const running = observedOf(api, { release: ref('1.0.0') });
    expect(plan({ units: [api] }, { units: [running] }).steps).toEqual([
      { kind: 'deploy', unit: api, from: ref('1.0.0'), reason: 'api in dev on local runs 1.0.0, 1.1.0 is desired' },
    ]);
  });

  it('names release ids when two releases share a version', () => {
    const running = observedOf(api, { release: ref('1.1.0', 'rebuild-1') });
    expect(plan({ units: [api] }, { units: [running] }).steps[0]?.reason).toBe(
      'api in dev on local runs 1.1.0 from release rebuild-1, release rel-1.1.0 of the same version is desired',
    );
  });

  it('updates the configuration when only the config hash differs', () => {
    const running = observedOf(api, { configHash: 'config-old' });
    expect(plan({ units: [api] }, { units: [running] }).steps).toEqual([
      {
        kind: 'update-config',
        unit: api,
        reason: 'api 1.1.0 in dev on local runs a configuration that differs from the desired one',
      },
    ]);
  });

  it('mentions replicas when a configuration update also changes them', () => {
    const running = observedOf(api, { configHash: 'config-old', replicas: 2 });
    expect(plan({ units: [api] }, { units: [running] }).steps[0]?.reason).toBe(
      'api 1.1.0 in dev on local runs a configuration that differs from the desired one, and 1 instead of 2 replicas are desired',
    );
  });

  it('scales when only replicas differ', () => {
    const wanted = desired('api', 'dev', 'local', { replicas: 3 });
    expect(plan({ units: [wanted] }, { units: [observedOf(wanted, { replicas: 1 })] }).steps).toEqual([
      { kind: 'scale', unit: wanted, fromReplicas: 1, reason: 'api in dev on local runs 1 replica, 3 are desired' },
    ]);
    expect(plan({ units: [api] }, { units: [observedOf(api, { replicas: 0 })] }).steps[0]?.reason).toBe(
      'api in dev on local runs 0 replicas, 1 is desired',
    );
  });

  it('removes a unit that runs and is no longer desired', () => {
    const running = observedOf(desired('web', 'prod', 'edge'), { release: ref('2.0.0') });
    expect(plan({ units: [] }, { units: [running] }).steps).toEqual([
      {
        kind: 'remove',
        key: { service: 'web', environment: 'prod', target: 'edge' },
        release: ref('2.0.0'),
        reason: 'web 2.0.0 runs in prod on edge, but is no longer desired there',
      },
    ]);
  });

  it('lists units that run as desired as unchanged, by key only', () => {
    expect(plan({ units: [api] }, { units: [observedOf(api, { health: 'progressing' })] })).toEqual({
      steps: [],
      unchanged: [{ service: 'api', environment: 'dev', target: 'local' }],
    });
  });

  it('repairs a unit that runs as desired but is degraded, missing or changed by hand', () => {
    const degraded = observedOf(api, { health: 'degraded', instances: [{ id: 'dev.api.0', replica: 0, state: 'crashed', host: '127.0.0.1', release: api.release, configHash: api.configHash, ports: {}, restarts: 3, message: 'exit 1' }] });
    expect(plan({ units: [api] }, { units: [degraded] }).steps).toEqual([{ kind: 'repair', unit: api, reason: `api ${api.release.version} in dev on local is degraded: dev.api.0 exit 1` }]);
    expect(plan({ units: [api] }, { units: [observedOf(api, { drift: [{ path: 'index.html', change: 'changed' }] })] }).steps[0]).toMatchObject({ kind: 'repair', reason: expect.stringContaining('changed by hand: index.html changed') });
  });

  it('updates a unit whose instances run another configuration though the unit says the desired one (an update cut short)', () => {
    const mixed = observedOf(api, { instances: [{ id: 'dev.api.0', replica: 0, state: 'ready', host: '127.0.0.1', release: api.release, ports: {}, restarts: 0, configHash: 'older' }] });
    expect(plan({ units: [api] }, { units: [mixed] }).steps[0]).toMatchObject({ kind: 'update-config', reason: expect.stringContaining('dev.api.0 runs another configuration (an update cut short)') });
  });

  it('orders steps by service, environment and target whatever the input order', () => {
    const units = [
      desired('web', 'dev', 'a'),
      desired('api', 'prod', 'a'),
      desired('api', 'dev', 'b'),
      desired('api', 'dev', 'a'),
    ];
    const gone = observedOf(desired('api', 'dev', 'a0'));
    const result = plan({ units }, { units: [gone] });
    expect(result.steps.map((s) => unitId(stepKey(s)))).toEqual([
      'api/dev@a',
      'api/dev@a0',
      'api/dev@b',
      'api/prod@a',
      'web/dev@a',
    ]);
  });

  it('refuses a key that appears twice', () => {
    expect(() => plan({ units: [api, api] }, { units: [] })).toThrow('api/dev@local appears twice in the desired state');
    expect(() => plan({ units: [] }, { units: [observedOf(api), observedOf(api)] })).toThrow('observed state');
  });

  it('does not modify its inputs', () => {
    const units = [desired('web', 'dev', 'a'), api];
    const observed = [observedOf(desired('db', 'dev', 'a'))];
    plan({ units }, { units: observed });
    expect(units.map(unitId)).toEqual(['web/dev@a', 'api/dev@local']);
    expect(observed).toHaveLength(1);
  });
});

describe('plan properties', () => {
  const key = fc.record({
    service: fc.constantFrom('api', 'web', 'db', 'api-2'),
    environment: fc.constantFrom('dev', 'staging', 'prod'),
    target: fc.constantFrom('local', 'h1', 'h2'),
  });
  const keys = fc.uniqueArray(key, { selector: unitId, maxLength: 20 });
  const release = fc.constantFrom(ref('1.0.0'), ref('1.1.0'), ref('1.1.0', 'rebuilt'));
  const configHash = fc.constantFrom('config-a', 'config-b');
  const replicas = fc.integer({ min: 0, max: 3 });
  const desiredUnits = keys.chain((ks) =>
    fc.tuple(...ks.map((k) => fc.record({ release, configHash, replicas }).map((c) => desired(k.service, k.environment, k.target, c)))),
  );
  const observedUnits = keys.chain((ks) =>
    fc.tuple(...ks.map((k) => fc.record({ release, configHash, replicas }).map((c) => observedOf(k, c)))),
  );
  const shuffled = <T>(items: readonly T[]) => fc.shuffledSubarray([...items], { minLength: items.length });
  const states = fc
    .tuple(desiredUnits, observedUnits)
    .chain(([d, o]) => fc.record({ d: fc.constant(d), o: fc.constant(o), dShuffled: shuffled(d), oShuffled: shuffled(o) }));

  it('gives the same plan when asked twice', () => {
    fc.assert(
      fc.property(states, ({ d, o }) => {
        expect(plan({ units: d }, { units: o })).toEqual(plan({ units: d }, { units: o }));
      }),
    );
  });

  it('does not depend on the order of its inputs', () => {
    fc.assert(
      fc.property(states, ({ d, o, dShuffled, oShuffled }) => {
        expect(plan({ units: dShuffled }, { units: oShuffled })).toEqual(plan({ units: d }, { units: o }));
      }),
    );
  });

  it('leaves nothing to do once its effects are applied', () => {
    fc.assert(
      fc.property(states, ({ d, o }) => {
        const first = plan({ units: d }, { units: o });
        const again = plan({ units: d }, applyPlanEffects({ units: o }, first));
        expect(again.steps).toEqual([]);
        expect(again.unchanged).toHaveLength(d.length);
      }),
    );
  });

  it('accounts for every desired unit exactly once, and removes exactly what is not desired', () => {
    fc.assert(
      fc.property(states, ({ d, o }) => {
        const result = plan({ units: d }, { units: o });
        const covered = [...result.steps.filter((s) => s.kind !== 'remove').map(stepKey), ...result.unchanged].map(unitId);
        expect(covered.sort()).toEqual(d.map(unitId).sort());
        const desiredIds = new Set(d.map(unitId));
        const removed = result.steps.filter((s) => s.kind === 'remove').map(stepKey).map(unitId);
        expect(removed.sort()).toEqual(o.map(unitId).filter((id) => !desiredIds.has(id)).sort());
      }),
    );
  });
});
