/**
 * The observe loop's schedule, with runtimes of the test's making: a target that watches is
 * observed at start, on each event it tells and on its full-check period, never on the loop's
 * interval; one that cannot is observed on the interval. A change seen is told to `onChange`.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedUnit } from '../desired/types.js';
import { Observations } from '../engine/observations.js';
import type { RuntimeAdapter, Watchable, WatchEvent } from '../runtimes/index.js';
import { startObserveLoop } from './observe-loop.js';

/** A runtime answering `units()` to each observe, counting them; with `watch`, it keeps the listener. */
function runtime(units: () => ObservedUnit[] = () => []) {
  const state = { observed: 0, listener: undefined as ((event: WatchEvent) => void) | undefined, stopped: false };
  const adapter: RuntimeAdapter = { kind: 'test', apply: async () => {}, remove: async () => {}, close: async () => {}, observe: async () => (state.observed++, units()) };
  const watching: RuntimeAdapter & Watchable = {
    ...adapter,
    watch: (listener) => {
      state.listener = listener;
      return { stop: async () => void (state.stopped = true) };
    },
  };
  return { adapter, watching, state };
}

const unit = (version: string): ObservedUnit => ({
  service: 'api',
  environment: 'dev',
  target: 'watched',
  release: { id: `r-${version}`, version, artifactDigest: null },
  configHash: 'h',
  replicas: 1,
  health: 'healthy',
  instances: [],
});

function workspace(runtimes: Map<string, RuntimeAdapter>) {
  return { runtimes, observations: new Observations(), recordRuntimeEvent: async () => {}, store: { putObserved: async () => {}, patchObserved: async () => {} } };
}

describe('observe loop schedule', () => {
  it('observes a watched target at start and on each event it tells, while a target beside it is observed on the interval', async () => {
    let version = '1';
    const watched = runtime(() => [unit(version)]);
    const polled = runtime();
    const changes: string[] = [];
    const ws = workspace(new Map([['watched', watched.watching], ['polled', polled.adapter]]));
    const loop = startObserveLoop(ws, { intervalMs: 20, onChange: (target) => changes.push(target) });
    try {
      await expect.poll(() => watched.state.observed).toBe(1);
      await expect.poll(() => polled.state.observed).toBeGreaterThanOrEqual(20);
      expect(watched.state.observed).toBe(1);
      version = '2';
      watched.state.listener!({ type: 'changed', message: 'dev.api r0 on h0: exited (status 137)' });
      await expect.poll(() => watched.state.observed).toBe(2);
      await expect.poll(() => changes).toEqual(['watched']);
      watched.state.listener!({ type: 'lost', link: 'h0', message: 'host h0: connection lost' });
      await expect.poll(() => watched.state.observed).toBe(3);
      watched.state.listener!({ type: 'linked', link: 'h0' });
      await expect.poll(() => watched.state.observed).toBe(4);
      // Its kept observation is current for displays, whatever its age.
      expect((await ws.observations.recent('watched', watched.watching, 0)).units).toEqual([unit('2')]);
      expect(watched.state.observed).toBe(4);
    } finally {
      await loop.stop();
    }
    expect(watched.state.stopped).toBe(true);
  });

  it('observes a watched target in full on its own period, though it tells nothing', async () => {
    const watched = runtime();
    const loop = startObserveLoop(workspace(new Map([['watched', watched.watching]])), { intervalMs: 20, fullCheckMs: 50 });
    try {
      await expect.poll(() => watched.state.observed).toBeGreaterThanOrEqual(3);
    } finally {
      await loop.stop();
    }
  });

  it('observes a watched target once when an apply on it has ended, not on each event told during it', async () => {
    let finish = () => {};
    const watched = runtime();
    const ws = workspace(new Map());
    const applying = ws.observations.changingOn('watched', { ...watched.watching, apply: (_unit: unknown) => new Promise<void>((resolve) => (finish = resolve)) });
    ws.runtimes.set('watched', applying);
    const loop = startObserveLoop(ws, { intervalMs: 20 });
    try {
      await expect.poll(() => watched.state.observed).toBe(1);
      const apply = applying.apply({} as never);
      let asked = 0;
      const changing = ws.observations.changing.bind(ws.observations);
      ws.observations.changing = (target) => (asked++, changing(target));
      for (let i = 0; i < 5; i++) watched.state.listener!({ type: 'changed', message: `h${i}: started` });
      // The loop looks again and again while the apply runs, and observes nothing.
      await expect.poll(() => asked).toBeGreaterThanOrEqual(3);
      expect(watched.state.observed).toBe(1);
      finish();
      await apply;
      await expect.poll(() => watched.state.observed).toBe(2);
    } finally {
      await loop.stop();
    }
  });
});
