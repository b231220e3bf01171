/**
 * `observeUnits`, what decisions read: a target of the environment is observed live, unless it is
 * watched and nothing changes on it here, when its kept observation is current (it tells of every
 * change); while an apply on it runs, it is observed live again.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedUnit } from '../desired/types.js';
import type { RuntimeAdapter } from '../runtimes/index.js';
import { Observations } from './observations.js';
import { observeUnits } from './units.js';
import type { Workspace } from './workspace.js';

/** A runtime counting its observations; `finish()` ends the apply under way. */
function counting() {
  const state = { observed: 0, finish: () => {} };
  const adapter: RuntimeAdapter = {
    kind: 'test',
    apply: () => new Promise<void>((resolve) => (state.finish = resolve)),
    remove: async () => {},
    close: async () => {},
    observe: async () => (state.observed++, [] as ObservedUnit[]),
  };
  return { adapter, state };
}

function workspace(target: string, adapter: RuntimeAdapter): Workspace {
  const observations = new Observations();
  const runtime = observations.changingOn(target, adapter);
  const spec = { environments: { prod: { targets: [target] } } };
  return { observations, runtimes: new Map([[target, runtime]]), project: { spec } } as unknown as Workspace;
}

describe('observeUnits', () => {
  it('observes an unwatched target live on every call', async () => {
    const { adapter, state } = counting();
    const ws = workspace('hosts', adapter);
    await observeUnits(ws, { environment: 'prod' });
    await observeUnits(ws, { environment: 'prod' });
    expect(state.observed).toBe(2);
  });

  it('reads a watched target from its kept observation, and live while an apply on it runs', async () => {
    const { adapter, state } = counting();
    const ws = workspace('hosts', adapter);
    ws.observations.watched('hosts', true);
    await observeUnits(ws, { environment: 'prod' });
    await observeUnits(ws, { environment: 'prod' });
    expect(state.observed).toBe(1);
    const apply = ws.runtimes.get('hosts')!.apply({} as never);
    await observeUnits(ws, { environment: 'prod' });
    await observeUnits(ws, { environment: 'prod' });
    expect(state.observed).toBe(3);
    state.finish();
    await apply;
    await observeUnits(ws, { environment: 'prod' });
    await observeUnits(ws, { environment: 'prod' });
    expect(state.observed).toBe(4);
  });
});
