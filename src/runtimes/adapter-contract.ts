/**
 * The contract every runtime adapter passes. An adapter's test file calls
 * `adapterContract(name, harness)` once; the harness opens the adapter on fresh state, reopens it
 * on the same state (an orchestrator restart), and builds units that really run on it.
 * Harnesses that can also break things behind the adapter's back (kill an instance, cut the target
 * off) opt into the drift, disconnection and re-appearance cases by providing those hooks. An
 * adapter with the logs capability (`hasLogs`) passes the logs case; one whose harness says `withoutLogs` must offer none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredUnit, ObservedInstance, ObservedUnit, ResolvedWorkload } from '../desired/types.js';
import { hasLogs, type LogLine, type LogSource, type RuntimeAdapter } from './types.js';

/** What a contract test varies in a unit; everything else is the harness's choice. */
export interface ContractUnitOverrides {
  readonly service?: string;
  readonly environment?: string;
  readonly replicas?: number;
  /** Release version; release id and configHash follow from it (default `1`). */
  readonly version?: string;
  /** Each instance also prints `tick <n>` (n = 1, 2, …) on its output, a few times a second (default false). */
  readonly ticks?: boolean;
}

/** What the harness's workload must do besides running: see {@link ContractUnitOverrides}. */
export interface ContractWorkloadOptions {
  readonly ticks: boolean;
}

export interface AdapterHarness {
  /** Opens the adapter on fresh, empty state. */
  open(): Promise<RuntimeAdapter>;
  /** Opens the adapter again on the state of the last `open()`, as after an orchestrator restart. */
  reopen(): Promise<RuntimeAdapter>;
  /** A unit that runs and becomes ready on this adapter. */
  unit(overrides?: ContractUnitOverrides): DesiredUnit;
  /** Runs after each test, after every adapter the test opened is closed: stop what still runs. */
  cleanup?(): Promise<void>;
  /** Kills an instance's process behind the adapter's back (drift). Enables the drift case. */
  killInstance?(instance: ObservedInstance): Promise<void>;
  /** Cuts the target off the orchestrator; `reconnect` brings it back. Together they enable the disconnection cases. */
  disconnect?(): Promise<void>;
  reconnect?(): Promise<void>;
  /** True for an adapter whose workloads print nothing to read (a static site): its contract asserts it offers no logs. */
  readonly withoutLogs?: boolean;
}

/** What an adapter's tests keep their state in (a directory, a daemon): one per contract case. */
export interface ContractSandbox {
  open(): Promise<RuntimeAdapter>;
  unit(overrides?: ContractUnitOverrides): DesiredUnit;
  /** Stops what still runs and removes the sandbox. */
  done(): Promise<void>;
}

/** The harness for adapters tested through a sandbox: a new one for each case, reopened on the same state. */
export function sandboxHarness(create: () => ContractSandbox, extra: Partial<AdapterHarness> = {}): AdapterHarness {
  let current: ContractSandbox | undefined;
  return {
    open: () => (current = create()).open(),
    reopen: () => current!.open(),
    unit: (overrides) => (current ?? create()).unit(overrides),
    cleanup: async () => {
      await current?.done();
      current = undefined;
    },
    ...extra,
  };
}

/** Observes until `done` holds for the observation, or throws after `timeoutMs`. */
async function observeUntil(adapter: RuntimeAdapter, done: (units: ObservedUnit[]) => boolean, timeoutMs = 30_000): Promise<ObservedUnit[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const units = await adapter.observe();
    if (done(units)) return units;
    if (Date.now() > deadline) throw new Error(`observation did not settle within ${timeoutMs} ms: ${JSON.stringify(units)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Builds a contract unit for `target` around `workload`, which may depend on the version and the options. */
export function contractUnit(target: string, workload: (version: string, options: ContractWorkloadOptions) => ResolvedWorkload, overrides: ContractUnitOverrides = {}): DesiredUnit {
  const { service = 'api', environment = 'dev', replicas = 1, version = '1', ticks = false } = overrides;
  return {
    service,
    environment,
    target,
    release: { id: `rel-${service}-${version}`, version, artifactDigest: null },
    workload: workload(version, { ticks }),
    replicas,
    configHash: `hash-${service}-${version}`,
  };
}

/** The number of a `tick <n>` line; undefined for another line. */
function tickOf(line: LogLine): number | undefined {
  const match = /^tick (\d+)\b/.exec(line.line);
  return match ? Number(match[1]) : undefined;
}

/** Every line of a read that ends by itself. */
async function readAll(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const read: LogLine[] = [];
  for await (const line of lines) read.push(line);
  return read;
}

/**
 * Follows `source`'s logs of `unit` from one line back; once a tick of each instance in `ids` newer
 * than any it had printed when the read began has arrived, aborts, and resolves with them when the
 * iteration has ended. Rejects when that takes longer than `timeoutMs`.
 */
async function followNewTicks(source: LogSource, unit: DesiredUnit, ids: readonly string[], timeoutMs = 15_000): Promise<Map<string, number>> {
  const abort = new AbortController();
  const first = new Map<string, number>();
  const fresh = new Map<string, number>();
  const reading = (async () => {
    for await (const line of source.logs(unit, { tail: 1, follow: true, signal: abort.signal })) {
      const tick = tickOf(line);
      if (!first.has(line.instance)) {
        // With tail 1, an instance's first line is the one it had printed last when the read began.
        first.set(line.instance, tick ?? 0);
        continue;
      }
      if (tick !== undefined && tick > first.get(line.instance)! && !fresh.has(line.instance)) fresh.set(line.instance, tick);
      if (ids.every((id) => fresh.has(id))) abort.abort();
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no new tick of every instance, or no end after the abort, within ${timeoutMs} ms: ${JSON.stringify([...fresh])}`)), timeoutMs);
  });
  try {
    await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return fresh;
}

/** The comparable part of an observation: what must not change when nothing was asked to change. */
function snapshot(units: readonly ObservedUnit[]) {
  return units.map((u) => ({
    unit: `${u.service}/${u.environment}@${u.target}`,
    release: u.release.id,
    configHash: u.configHash,
    replicas: u.replicas,
    health: u.health,
    instances: u.instances.map((i) => ({ id: i.id, replica: i.replica, state: i.state, release: i.release.id, host: i.host, pid: i.pid, ports: i.ports })),
  }));
}

export function adapterContract(name: string, harness: AdapterHarness): void {
  describe(`runtime adapter contract: ${name}`, () => {
    const opened: RuntimeAdapter[] = [];
    const open = async (again = false) => {
      const adapter = again ? await harness.reopen() : await harness.open();
      opened.push(adapter);
      return adapter;
    };
    afterEach(async () => {
      for (const adapter of opened.splice(0)) await adapter.close();
      await harness.cleanup?.();
    });

    it('apply runs every replica and observe reports the unit healthy', async () => {
      const adapter = await open();
      const unit = harness.unit({ replicas: 2 });
      await adapter.apply(unit);
      const [observed, ...others] = await adapter.observe();
      expect(others).toEqual([]);
      expect(observed).toMatchObject({
        service: unit.service,
        environment: unit.environment,
        target: unit.target,
        release: unit.release,
        configHash: unit.configHash,
        replicas: 2,
        health: 'healthy',
      });
      expect(observed!.instances.map((i) => [i.replica, i.state])).toEqual([
        [0, 'ready'],
        [1, 'ready'],
      ]);
      expect(new Set(observed!.instances.map((i) => i.id)).size).toBe(2);
      for (const instance of observed!.instances) {
        // Each instance says what it runs and where it answers; an address is never left to be assumed.
        expect(instance).toMatchObject({ release: unit.release, configHash: unit.configHash, host: expect.stringMatching(/^[^\s/]+$/) });
      }
    });

    it('apply is idempotent: the same instances keep running', async () => {
      const adapter = await open();
      const unit = harness.unit({ replicas: 2 });
      await adapter.apply(unit);
      const before = snapshot(await adapter.observe());
      await adapter.apply(unit);
      expect(snapshot(await adapter.observe())).toEqual(before);
    });

    it('an update changes release and configuration hash', async () => {
      const adapter = await open();
      await adapter.apply(harness.unit({ replicas: 2, version: '1' }));
      const next = harness.unit({ replicas: 2, version: '2' });
      await adapter.apply(next);
      const [observed, ...others] = await adapter.observe();
      expect(others).toEqual([]);
      expect(observed).toMatchObject({ release: next.release, configHash: next.configHash, replicas: 2, health: 'healthy' });
      expect(observed!.instances.map((i) => [i.replica, i.state, i.release.version, i.configHash])).toEqual([
        [0, 'ready', '2', next.configHash],
        [1, 'ready', '2', next.configHash],
      ]);
    });

    it('scales up and down by the highest replica indices, leaving the others alone', async () => {
      const adapter = await open();
      await adapter.apply(harness.unit({ replicas: 1 }));
      const [first] = snapshot(await adapter.observe());
      await adapter.apply(harness.unit({ replicas: 3 }));
      const [up] = snapshot(await adapter.observe());
      expect(up!.instances.map((i) => i.replica)).toEqual([0, 1, 2]);
      expect(up!.instances[0]).toEqual(first!.instances[0]);
      expect(up!.health).toBe('healthy');
      await adapter.apply(harness.unit({ replicas: 1 }));
      expect(snapshot(await adapter.observe())).toEqual([first]);
    });

    it('scales to zero replicas: healthy, nothing runs', async () => {
      const adapter = await open();
      await adapter.apply(harness.unit({ replicas: 2 }));
      await adapter.apply(harness.unit({ replicas: 0 }));
      const [observed] = await adapter.observe();
      expect(observed).toMatchObject({ replicas: 0, health: 'healthy', instances: [] });
    });

    it('remove forgets the unit; removing twice, or something unknown, succeeds', async () => {
      const adapter = await open();
      const unit = harness.unit({ replicas: 2 });
      await adapter.apply(unit);
      await adapter.remove(unit);
      expect(await adapter.observe()).toEqual([]);
      await adapter.remove(unit);
      await adapter.remove({ ...unit, service: 'never-applied' });
      expect(await adapter.observe()).toEqual([]);
    });

    it('state survives a reopen: same instances, and applying again adds none', async () => {
      const first = await open();
      const unit = harness.unit({ replicas: 2 });
      await first.apply(unit);
      await first.apply(harness.unit({ service: 'worker' }));
      const before = snapshot(await first.observe());
      await first.close();
      const second = await open(true);
      expect(snapshot(await second.observe())).toEqual(before);
      await second.apply(unit);
      expect(snapshot(await second.observe())).toEqual(before);
    });

    it('units of different environments on one target are independent', async () => {
      const adapter = await open();
      await adapter.apply(harness.unit({ environment: 'dev', version: '1' }));
      await adapter.apply(harness.unit({ environment: 'prod', version: '1' }));
      const [, prodBefore] = snapshot(await adapter.observe());
      await adapter.apply(harness.unit({ environment: 'dev', version: '2' }));
      const afterUpdate = snapshot(await adapter.observe());
      expect(afterUpdate.map((u) => [u.unit, u.release])).toEqual([
        [`api/dev@${harness.unit().target}`, 'rel-api-2'],
        [`api/prod@${harness.unit().target}`, 'rel-api-1'],
      ]);
      expect(afterUpdate[1]).toEqual(prodBefore);
      await adapter.remove(harness.unit({ environment: 'dev' }));
      expect(snapshot(await adapter.observe())).toEqual([prodBefore]);
    });

    if (harness.withoutLogs) {
      it('logs: offers none, so the engine reads no lines from it', async () => {
        expect(hasLogs(await open())).toBe(false);
      });
    } else it('logs: the last lines of each instance, named as observe names it; follow yields lines printed after it began and ends when aborted', async () => {
      const adapter = await open();
      if (!hasLogs(adapter)) throw new Error('the adapter offers no logs; a harness without them says withoutLogs');
      const unit = harness.unit({ replicas: 2, ticks: true });
      await adapter.apply(unit);
      const ids = (await adapter.observe())[0]!.instances.map((i) => i.id);
      expect(ids).toHaveLength(2);
      const deadline = Date.now() + 10_000;
      let tail: LogLine[] = [];
      // Each instance has printed three ticks (or more) by the time the tail is read.
      while (!ids.every((id) => tail.filter((l) => l.instance === id && tickOf(l) !== undefined).length === 3)) {
        if (Date.now() > deadline) throw new Error(`the tail never held three ticks of each instance: ${JSON.stringify(tail)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        tail = await readAll(adapter.logs(unit, { tail: 3 }));
      }
      expect(new Set(tail.map((l) => l.instance))).toEqual(new Set(ids));
      for (const id of ids) {
        const ticks = tail.filter((l) => l.instance === id).map(tickOf);
        expect(ticks).toHaveLength(3);
        expect(ticks).toEqual([ticks[0], ticks[0]! + 1, ticks[0]! + 2]);
      }
      const fresh = await followNewTicks(adapter, unit, ids);
      expect([...fresh.keys()].sort()).toEqual([...ids].sort());
    });

    const { killInstance, disconnect, reconnect } = harness;
    if (killInstance) {
      it('drift: an instance killed behind its back runs again, and a re-apply leaves the unit healthy', async () => {
        const adapter = await open();
        const unit = harness.unit({ replicas: 1 });
        await adapter.apply(unit);
        // An instance that runs with its own pid: killing pid 0 or none would hit the test itself.
        const [before] = (await observeUntil(adapter, ([u]) => u?.instances[0]?.state === 'ready' && (u.instances[0].pid ?? 0) > 0))[0]!.instances;
        await killInstance(before!);
        await adapter.apply(unit);
        const [observed] = await observeUntil(adapter, ([u]) => u?.health === 'healthy' && u.instances[0]?.pid !== before!.pid);
        expect(observed).toMatchObject({ release: unit.release, configHash: unit.configHash, health: 'healthy' });
        expect(observed!.instances.map((i) => [i.replica, i.state])).toEqual([[0, 'ready']]);
      });
    }

    if (disconnect && reconnect) {
      it('disconnection: a target cut off is reported, not thrown; apply fails with a RuntimeError; back, apply converges', async () => {
        const adapter = await open();
        await adapter.apply(harness.unit({ version: '1' }));
        await disconnect();
        try {
          const [away] = await adapter.observe();
          expect(away).toMatchObject({ release: { version: '1' } });
          expect(away!.health).not.toBe('healthy');
          expect(away!.instances.every((i) => i.state !== 'ready' && i.message)).toBe(true);
          await expect(adapter.apply(harness.unit({ version: '2' }))).rejects.toMatchObject({ code: 'runtime-failed' });
        } finally {
          await reconnect();
        }
        const next = harness.unit({ version: '2' });
        await adapter.apply(next);
        const [back] = await adapter.observe();
        expect(back).toMatchObject({ release: next.release, configHash: next.configHash, health: 'healthy' });
      });

      it('re-appearance: instances kept running while the target was away, and are reported as they were', async () => {
        const adapter = await open();
        await adapter.apply(harness.unit({ replicas: 2 }));
        const before = snapshot(await adapter.observe());
        await disconnect();
        try {
          await adapter.observe();
        } finally {
          await reconnect();
        }
        const after = await observeUntil(adapter, (units) => units[0]?.health === 'healthy');
        expect(snapshot(after)).toEqual(before);
      });
    }
  });
}
