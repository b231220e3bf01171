import { describe, expect, it } from 'vitest';
import { Workload } from '../../inputs/schema.js';
import { orderRefusals, startPlan, startProgress, stepNames } from './start-plan.js';

/** A schema-valid workload: `web` (its own container) with the given sidecars. */
function workload(sidecars: Record<string, object>, own: object = {}): Workload {
  const entries = Object.entries(sidecars).map(([name, fields]) => [name, { image: `localhost/${name}:1`, ...fields }]);
  return Workload.parse({ image: 'localhost/web:1', container: 'web', ...own, sidecars: Object.fromEntries(entries) });
}

describe('startPlan', () => {
  it('without before: the workload\'s own container, then its sidecars in order, joined to it, awaited by none', () => {
    expect(startPlan(Workload.parse({ image: 'localhost/web:1', sidecars: { a: { image: 'x' }, b: { image: 'y' } } }))).toEqual([
      { step: false, joins: false },
      { sidecar: 'a', step: false, joins: true },
      { sidecar: 'b', step: false, joins: true },
    ]);
  });

  it('runs the steps the workload waits for first, in a network of their own; the others after it join its network', () => {
    const plan = startPlan(
      workload({
        seed: { before: { check: { ready: 'complete' } } },
        migrate: { before: { web: { ready: 'complete' } } },
        check: {},
        proxy: {},
      }, { before: { proxy: { ready: 'healthy' }, seed: { ready: 'started' } } }),
    );
    expect(plan).toEqual([
      { sidecar: 'migrate', step: true, joins: false, await: 'complete' },
      { step: false, joins: false, await: 'healthy' },
      { sidecar: 'seed', step: true, joins: true, await: 'complete' },
      { sidecar: 'check', step: false, joins: true },
      { sidecar: 'proxy', step: false, joins: true },
    ]);
    expect(stepNames(workload({ migrate: { before: { web: { ready: 'complete' } } }, proxy: {} }))).toEqual(['migrate']);
  });
});

describe('orderRefusals', () => {
  it('takes what a Score conversion gives', () => {
    expect(orderRefusals(workload({ migrate: { before: { web: { ready: 'complete' } } }, proxy: {} }, { before: { proxy: { ready: 'started' } } }))).toEqual([]);
  });

  it("refuses the workload's own container awaited as complete, and a container that keeps running started before it", () => {
    const refused = orderRefusals(workload({ proxy: { before: { web: { ready: 'started' } } }, job: {} }, { before: { job: { ready: 'complete' } } }));
    expect(refused.map((r) => [r.path.join('.'), r.at, r.message.split(',')[0]])).toEqual([
      ['before.job', 'key', "the workload's own container owns the replica's network and publishes its ports"],
      ['sidecars.proxy', 'key', "it keeps running yet must start before the workload's own container"],
    ]);
  });
});

describe('startProgress', () => {
  const seen = (status: string, more: { exitCode?: number; restarts?: number; probed?: boolean } = {}) => ({ status, exitCode: 0, restarts: 0, ...more });

  it('a step is complete once it exited with status 0, and fails with any other', () => {
    expect(startProgress('complete', seen('running'), 3)).toBe('waiting');
    expect(startProgress('complete', seen('created'), 3)).toBe('waiting');
    expect(startProgress('complete', seen('exited'), 3)).toBe('reached');
    expect(startProgress('complete', seen('exited', { exitCode: 3 }), 3)).toEqual({ failed: 'exited with status 3' });
    expect(startProgress('complete', seen('dead'), 3)).toEqual({ failed: 'died' });
  });

  it('started while it runs; healthy once its probe passes too; either fails when it exits or keeps crashing', () => {
    expect(startProgress('started', seen('created'), 3)).toBe('waiting');
    expect(startProgress('started', seen('running'), 3)).toBe('reached');
    expect(startProgress('healthy', seen('running', { probed: false }), 3)).toBe('waiting');
    expect(startProgress('healthy', seen('running', { probed: true }), 3)).toBe('reached');
    expect(startProgress('started', seen('exited', { exitCode: 1 }), 3)).toEqual({ failed: 'exited with status 1' });
    expect(startProgress('healthy', seen('restarting', { restarts: 3 }), 3)).toEqual({ failed: 'crashed 3 times' });
  });
});
