import { describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/until.js';
import type { InstanceLabels, LivenessProbe } from './labels.js';
import { afterProbe, LivenessProber, nextLivenessMove, seenRun, type LivenessDeps, type LivenessHistory, type LivenessSubject } from './liveness.js';

const TIMING = { initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 3 };

describe('nextLivenessMove', () => {
  const started: LivenessHistory = { startedAt: 1_000, failures: [] };

  it('waits the initial delay from the start of the run, then probes', () => {
    expect(nextLivenessMove(TIMING, started, 1_000)).toEqual({ kind: 'wait', ms: 5_000 });
    expect(nextLivenessMove(TIMING, started, 5_999)).toEqual({ kind: 'wait', ms: 1 });
    expect(nextLivenessMove(TIMING, started, 6_000)).toEqual({ kind: 'probe' });
    expect(nextLivenessMove({ ...TIMING, initialDelaySeconds: 0 }, started, 1_000)).toEqual({ kind: 'probe' });
  });

  it('probes a period after the last probe was sent', () => {
    const probed = afterProbe(started, 6_000, undefined);
    expect(nextLivenessMove(TIMING, probed, 7_000)).toEqual({ kind: 'wait', ms: 1_000 });
    expect(nextLivenessMove(TIMING, probed, 8_000)).toEqual({ kind: 'probe' });
  });

  it('restarts once failureThreshold probes failed in a row, and not before', () => {
    let history = afterProbe(started, 6_000, 'a');
    history = afterProbe(history, 8_000, 'b');
    expect(nextLivenessMove(TIMING, history, 10_000)).toEqual({ kind: 'probe' });
    history = afterProbe(history, 10_000, 'c');
    expect(nextLivenessMove(TIMING, history, 10_000)).toEqual({ kind: 'restart', failures: ['a', 'b', 'c'] });
  });

  it('counts only consecutive failures: a pass clears them', () => {
    let history = afterProbe(afterProbe(started, 6_000, 'a'), 8_000, 'b');
    history = afterProbe(history, 10_000, undefined);
    history = afterProbe(afterProbe(history, 12_000, 'c'), 14_000, 'd');
    expect(history.failures).toEqual(['c', 'd']);
    expect(nextLivenessMove(TIMING, history, 16_000)).toEqual({ kind: 'probe' });
  });
});

describe('seenRun', () => {
  const failing: LivenessHistory = { startedAt: 1_000, probedAt: 8_000, failures: ['a', 'b'] };

  it('keeps the history of the same run while it runs', () => {
    expect(seenRun(failing, { running: true, startedAt: 1_000 }, 10_000)).toBe(failing);
  });

  it('starts over for a new run: its failures forgotten, the initial delay waited again', () => {
    const next = seenRun(failing, { running: true, startedAt: 9_000 }, 10_000);
    expect(next).toEqual({ startedAt: 9_000, failures: [] });
    expect(nextLivenessMove(TIMING, next, 10_000)).toEqual({ kind: 'wait', ms: 4_000 });
  });

  it('does not probe a container that does not run: no failure, and the next look a period away', () => {
    const next = seenRun(failing, { running: false, startedAt: 1_000 }, 10_000);
    expect(next).toEqual({ startedAt: 1_000, probedAt: 10_000, failures: [] });
    expect(nextLivenessMove(TIMING, next, 10_000)).toEqual({ kind: 'wait', ms: 2_000 });
  });
});

const PROBE: LivenessProbe = { port: 8080, path: '/livez', timeoutSeconds: 1, initialDelaySeconds: 0, periodSeconds: 0.01, failureThreshold: 2 };

function subject(id: string, probe: LivenessProbe = PROBE, sidecar?: string): LivenessSubject {
  const labels: InstanceLabels = {
    key: { service: 'api', environment: 'dev', target: 't' },
    release: { id: 'r1', version: '1', artifactDigest: null },
    configHash: 'h',
    replica: 1,
    generation: 0,
    ports: {},
    ...(sidecar && { sidecar }),
  };
  return { id, labels: { ...labels, livenessProbe: probe } };
}

/** A fake engine: each container runs from `startedAt`; a restart begins a new run. */
function fakeEngine(probe: (id: string) => Promise<string | undefined>) {
  const runs = new Map<string, number>();
  const calls = { probes: 0, restarts: [] as string[], reports: [] as { restarted: boolean; message: string }[] };
  let clock = 1;
  const deps: LivenessDeps = {
    run: async ({ id }) => (runs.has(id) ? { running: true, startedAt: runs.get(id)! } : undefined),
    probe: async ({ id }) => {
      calls.probes++;
      return probe(id);
    },
    restart: async ({ id }) => {
      calls.restarts.push(id);
      runs.set(id, ++clock);
    },
    report: (_, restarted, message) => calls.reports.push({ restarted, message }),
  };
  return { runs, calls, deps };
}

describe('LivenessProber', () => {
  it('restarts a container whose probe throws failureThreshold times, and tells why', async () => {
    const engine = fakeEngine(async () => {
      throw new Error('probe GET "/livez" cannot be sent');
    });
    engine.runs.set('c1', 1);
    const prober = new LivenessProber(engine.deps);
    prober.start(subject('c1'));
    await until('a restart', async () => (engine.calls.reports.length > 0 ? true : undefined), 10_000, 5);
    await prober.close();
    expect(engine.calls.restarts[0]).toBe('c1');
    expect(engine.calls.reports[0]).toEqual({
      restarted: true,
      message: 'api in dev: replica 1 failed its liveness probe 2 times (GET /livez: probe GET "/livez" cannot be sent); restarted',
    });
  });

  it('names a sidecar and the command of an exec probe; a restart that fails is told, and the loop goes on', async () => {
    const engine = fakeEngine(async () => 'exit status 1');
    engine.runs.set('s1', 1);
    const prober = new LivenessProber({ ...engine.deps, restart: async () => Promise.reject(new Error('engine said no')) });
    prober.start(subject('s1', { exec: ['cat', '/tmp/alive'], timeoutSeconds: 1, initialDelaySeconds: 0, periodSeconds: 0.01, failureThreshold: 1 }, 'proxy'));
    await until('two failed restarts told', async () => (engine.calls.reports.length >= 2 ? true : undefined), 10_000, 5);
    await prober.close();
    expect(engine.calls.reports[0]).toEqual({
      restarted: false,
      message: 'api in dev: container proxy of replica 1 failed its liveness probe 1 time (exec cat /tmp/alive: exit status 1); restarting it failed: engine said no',
    });
  });

  it('leaves a passing container alone, runs one loop per container, ends a loop once its container is gone', async () => {
    const engine = fakeEngine(async () => undefined);
    engine.runs.set('c1', 1);
    const prober = new LivenessProber(engine.deps);
    prober.start(subject('c1'));
    prober.start(subject('c1'));
    expect(prober.probing()).toEqual(['c1']);
    await until('several probes', async () => (engine.calls.probes >= 5 ? true : undefined), 10_000, 5);
    expect(engine.calls.restarts).toEqual([]);
    engine.runs.delete('c1');
    await until('the loop ended', async () => (prober.probing().length === 0 ? true : undefined), 10_000, 5);
    await prober.close();
  });

  it('a listener or engine that throws ends nothing: the loop goes on', async () => {
    const engine = fakeEngine(async () => 'down');
    engine.runs.set('c1', 1);
    let looks = 0;
    const prober = new LivenessProber({
      ...engine.deps,
      run: async (s) => (++looks % 2 === 0 ? Promise.reject(new Error('engine down')) : engine.deps.run(s)),
      report: () => {
        throw new Error('listener failed');
      },
    });
    prober.start(subject('c1'));
    await until('two restarts', async () => (engine.calls.restarts.length >= 2 ? true : undefined), 10_000, 5);
    await prober.close();
    expect(prober.probing()).toEqual([]);
  });

  it('close() ends every loop: no probe is sent after it, and none is started', async () => {
    const first = fakeEngine(async () => undefined);
    first.runs.set('c1', 1);
    first.runs.set('c2', 1);
    const prober = new LivenessProber(first.deps);
    prober.start(subject('c1'));
    prober.start(subject('c2'));
    await until('both probed', async () => (first.calls.probes >= 4 ? true : undefined), 10_000, 5);
    await prober.close();
    const sent = first.calls.probes;
    prober.start(subject('c3'));
    expect(prober.probing()).toEqual([]);
    // Another prober of the same period probes many times meanwhile: time enough for the closed one to have probed, had it run on.
    const second = fakeEngine(async () => undefined);
    second.runs.set('c1', 1);
    const other = new LivenessProber(second.deps);
    other.start(subject('c1'));
    await until('the other prober probing', async () => (second.calls.probes >= 10 ? true : undefined), 10_000, 5);
    await other.close();
    expect(first.calls.probes).toBe(sent);
  });
});
