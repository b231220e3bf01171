/** Table tests of `reconcile`: every kind of difference, every reason to hold back, the backoff. */
import { describe, expect, it } from 'vitest';
import type { DesiredUnit, ObservedInstance, ObservedUnit } from '../desired/types.js';
import { backoffMs, reconcile, TerminalError, type ReconcileFacts } from './decide.js';

const KEY = { service: 'api', environment: 'dev', target: 'local' };
const V1 = { id: 'r1', version: 'v1', artifactDigest: null };
const V2 = { id: 'r2', version: 'v2', artifactDigest: null };
const NOW = 1_000_000;

const desired: DesiredUnit = {
  ...KEY,
  release: V2,
  replicas: 2,
  configHash: 'c2',
  workload: { command: 'node', args: [], workingDir: '/srv', env: {}, ports: { http: 'auto' } },
};

function instance(replica: number, extra: Partial<ObservedInstance> = {}): ObservedInstance {
  return { id: `dev.api.${replica}`, replica, state: 'ready', host: '127.0.0.1', ports: { http: 7000 + replica }, restarts: 0, release: V2, configHash: 'c2', ...extra };
}

function observed(extra: Partial<ObservedUnit> = {}): ObservedUnit {
  return { ...KEY, release: V2, configHash: 'c2', replicas: 2, instances: [instance(0), instance(1)], health: 'healthy', ...extra };
}

const facts = (extra: Partial<ReconcileFacts> = {}): ReconcileFacts => ({ desired, observed: observed(), selfHealing: false, failures: { count: 0 }, now: NOW, ...extra });

describe('reconcile', () => {
  it('does nothing where the target runs the accepted release as it should, or where nothing was accepted', () => {
    expect(reconcile(KEY, facts())).toEqual({ actions: [] });
    expect(reconcile(KEY, facts({ desired: undefined, observed: observed({ release: V1 }) }))).toEqual({ actions: [] });
  });

  it.each([
    ['nothing runs', { observed: undefined }, 'api is not running in dev on local'],
    ['the runtime reports it missing', { observed: observed({ health: 'missing', instances: [] }) }, 'api is not running in dev on local'],
    ['another release runs', { observed: observed({ release: V1, configHash: 'c1' }) }, 'api in dev on local runs v1, not the accepted v2'],
    ['another configuration runs', { observed: observed({ configHash: 'c9' }) }, 'api in dev on local runs another configuration of v2'],
    [
      'one instance runs another release (a rollout cut short)',
      { observed: observed({ health: 'progressing', instances: [instance(0, { release: V1, configHash: 'c1' }), instance(1)] }) },
      'api in dev on local: dev.api.0 runs v1, not v2',
    ],
    ['it runs too few replicas', { observed: observed({ replicas: 1, instances: [instance(0)] }) }, 'api in dev on local runs 1 replicas, not 2'],
    ['a file was changed by hand', { observed: observed({ drift: [{ path: 'index.html', change: 'changed' }] }) }, 'changed by hand: index.html changed'],
    ['an instance crashed on a runtime that does not restart it', { observed: observed({ health: 'degraded', instances: [instance(0, { state: 'crashed', message: 'exit 1' }), instance(1)] }) }, 'api in dev on local is degraded; not ready: dev.api.0 (exit 1)'],
    ['the target cannot be reached', { unreachable: 'connect timed out' }, 'local cannot be reached (connect timed out); api v2 may not run there'],
  ] as const)('applies the accepted unit where %s', (_, given, difference) => {
    const result = reconcile(KEY, facts(given));
    expect(result).toEqual({ difference, actions: [{ kind: 'apply', unit: desired, reason: difference }] });
  });

  it('leaves a crashed instance to a runtime that restarts its own, and looks again soon', () => {
    const crashed = observed({ health: 'degraded', instances: [instance(0, { state: 'crashed' }), instance(1)] });
    const result = reconcile(KEY, facts({ observed: crashed, selfHealing: true }));
    expect(result).toMatchObject({ heldBack: 'the local runtime is bringing it back', actions: [] });
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    expect(reconcile(KEY, facts({ observed: observed({ health: 'progressing', instances: [instance(0, { state: 'starting' }), instance(1)] }) }))).toEqual({ actions: [] });
  });

  it('reports but holds back a difference where someone else owns the unit', () => {
    const result = reconcile(KEY, facts({ observed: undefined, hold: 'a rollout of v3 owns it' }));
    expect(result).toEqual({ difference: 'api is not running in dev on local', heldBack: 'a rollout of v3 owns it', actions: [] });
  });

  it('backs off after failed corrections, doubling, and corrects again once the wait is over', () => {
    const failing = (count: number, lastAt: number) => reconcile(KEY, facts({ observed: undefined, failures: { count, lastAt } }));
    expect(failing(1, NOW - 200)).toMatchObject({ heldBack: 'correcting failed 1 time; retrying in 1 s', actions: [], requeueAfterMs: 800 });
    expect(failing(3, NOW - 1000).requeueAfterMs).toBe(3000);
    expect(failing(3, NOW - 4000).actions).toHaveLength(1);
    expect([1, 2, 3, 7, 8].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 60_000, 60_000]);
  });

  it('throws a TerminalError where the accepted release breaks a constraint now', () => {
    expect(() => reconcile(KEY, facts({ invalid: 'replicas 2 exceeds 1' }))).toThrow(TerminalError);
  });
});
