import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InstanceRecord } from './instance-state.js';
import { DEFAULT_TIMINGS, Supervisor, type SpawnFn } from './supervisor.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-supervisor-'));
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A spawn whose children fail to start, as a missing command does. */
function failingSpawn(): { spawn: SpawnFn; count: () => number } {
  let count = 0;
  const spawn: SpawnFn = () => {
    count++;
    const child = Object.assign(new EventEmitter(), { pid: undefined, unref: () => undefined });
    queueMicrotask(() => child.emit('error', new Error('spawn missing-command ENOENT')));
    return child as unknown as ChildProcess;
  };
  return { spawn, count: () => count };
}

function record(): InstanceRecord {
  return {
    key: { service: 'api', environment: 'dev', target: 'local' },
    release: { id: 'r1', version: '1', artifactDigest: null },
    configHash: 'h1',
    replica: 0,
    generation: 0,
    pid: null,
    startTime: null,
    startedAt: null,
    ports: {},
    restarts: 0,
    logPath: join(dir, 'dev.api.0.log'),
    launch: { command: 'missing-command', args: [], workingDir: dir, env: '{}' },
  };
}

describe('Supervisor', () => {
  it('restarts a crash loop with doubling delays up to the cap, and stop() ends it', async () => {
    const { spawn, count } = failingSpawn();
    const messages: string[] = [];
    const supervisor = new Supervisor(record(), {
      spawn,
      now: () => Date.now(),
      probe: async () => false,
      timings: { ...DEFAULT_TIMINGS, backoffInitialMs: 100, backoffMaxMs: 400 },
      save: async () => undefined,
      openEnv: (sealed) => JSON.parse(sealed) as Record<string, string>,
      emit: (type, message) => type === 'instance-crashed' && messages.push(message),
    });
    supervisor.start();
    for (const delay of [100, 200, 400, 400]) {
      await vi.advanceTimersByTimeAsync(0);
      expect(supervisor.state).toBe('crashed');
      expect(messages.at(-1)).toMatch(new RegExp(`restarting in ${delay} ms$`));
      await vi.advanceTimersByTimeAsync(delay);
    }
    expect(count()).toBe(5);
    expect(supervisor.record.restarts).toBe(4);
    await vi.advanceTimersByTimeAsync(0);
    await supervisor.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(count()).toBe(5);
    expect(supervisor.state).toBe('stopped');
    vi.useRealTimers();
    await vi.waitFor(() => expect(readFileSync(record().logPath, 'utf8')).toContain('cannot start missing-command'));
  });

  it('turns a spawn refused at once into a crashed instance, told once and never retried', async () => {
    let count = 0;
    const events: string[] = [];
    const supervisor = new Supervisor(record(), {
      spawn: () => {
        count++;
        throw new TypeError('The argument \'file\' must be a string without null bytes');
      },
      now: () => Date.now(),
      probe: async () => true,
      timings: DEFAULT_TIMINGS,
      save: async () => undefined,
      openEnv: (sealed) => JSON.parse(sealed) as Record<string, string>,
      emit: (type, message) => events.push(`${type}: ${message}`),
    });
    supervisor.start();
    expect(await supervisor.waitReady(1_000)).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(count).toBe(1);
    expect(supervisor.state).toBe('crashed');
    expect(events).toEqual(["instance-crashed: cannot start: The argument 'file' must be a string without null bytes; deploy it again"]);
  });

  it('records a probe that throws as the instance unhealthy, told once, and stops waiting for readiness', async () => {
    const child = Object.assign(new EventEmitter(), { pid: process.pid, unref: () => undefined });
    const events: string[] = [];
    let probes = 0;
    const supervisor = new Supervisor(
      { ...record(), readinessProbe: { port: 1, path: '/a b', initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 } },
      {
        spawn: () => child as unknown as ChildProcess,
        now: () => Date.now(),
        probe: async () => {
          probes++;
          throw new Error('probe GET "/a b" on port 1 cannot be sent');
        },
        timings: DEFAULT_TIMINGS,
        save: async () => undefined,
        openEnv: (sealed) => JSON.parse(sealed) as Record<string, string>,
        emit: (type, message) => type !== 'instance-started' && events.push(`${type}: ${message}`),
      },
    );
    supervisor.start();
    const ready = supervisor.waitReady(30_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await ready).toBe(false);
    expect(probes).toBe(1);
    expect(supervisor.state).toBe('unhealthy');
    expect(supervisor.message).toBe('probe GET "/a b" on port 1 cannot be sent; deploy it again to clear this');
    expect(events).toEqual(['instance-unhealthy: probe GET "/a b" on port 1 cannot be sent; deploy it again to clear this']);
    supervisor.detach();
  });
});
