import { describe, expect, it } from 'vitest';
import type { ObservedInstance, ObservedUnit } from '../desired/types.js';
import { instanceEvents } from './instance-events.js';

const release = { id: 'r1', version: 'v1', artifactDigest: null };
const unit = (...instances: Partial<ObservedInstance>[]): ObservedUnit => ({
  service: 'api',
  environment: 'prod',
  target: 'edge',
  release,
  configHash: 'h',
  replicas: instances.length,
  health: 'healthy',
  instances: instances.map((i, replica) => ({ id: `prod.api.${replica}`, replica, state: 'ready', release, configHash: 'h', host: '10.0.0.1', ports: {}, restarts: 0, ...i })),
});

const told = (before: ObservedUnit, after: ObservedUnit) => instanceEvents(before, after).map((e) => [e.type, e.message]);

describe('instanceEvents', () => {
  it('tells a restart, a crash, a host out of reach and a recovery, each of its own instance', () => {
    expect(told(unit({}, {}), unit({ restarts: 1 }, { state: 'unhealthy', message: 'unreachable' }))).toEqual([
      ['instance-restarted', 'prod.api.0: restarted (restart 1)'],
      ['instance-unhealthy', 'prod.api.1: unhealthy (unreachable)'],
    ]);
    expect(told(unit({ state: 'crashed' }, { state: 'unhealthy' }), unit({}, {}))).toEqual([
      ['instance-ready', 'prod.api.0: ready again'],
      ['instance-ready', 'prod.api.1: ready again'],
    ]);
    expect(told(unit({}), unit({ state: 'crashed', message: 'exited with code 1' }))).toEqual([['instance-crashed', 'prod.api.0: crashed (exited with code 1)']]);
    expect(instanceEvents(unit({}), unit({ state: 'crashed' }))[0]).toMatchObject({ key: { service: 'api', environment: 'prod', target: 'edge' }, instance: 'prod.api.0' });
  });

  it('says nothing of what did not change, of a start, or of instances that came or went (deployments record those)', () => {
    expect(told(unit({}, {}), unit({}, {}))).toEqual([]);
    expect(told(unit({ state: 'starting' }), unit({}))).toEqual([]);
    expect(told(unit({}), unit({}, { state: 'crashed' }))).toEqual([]);
    expect(told(unit({}, { state: 'crashed' }), unit({}))).toEqual([]);
  });
});
