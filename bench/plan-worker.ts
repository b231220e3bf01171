/**
 * Child process of the planner benchmark (started with `--expose-gc`): builds 10,000 services ×
 * 10 environments, measures memory around one plan, then times repeated plans. Prints one JSON
 * line of `PlanMeasurements` on stdout.
 */
import { performance } from 'node:perf_hooks';
import { desiredState, desiredUnit, type DesiredUnit, type ObservedUnit, type Release } from '../src/desired/index.js';
import type { Service } from '../src/inputs/schema.js';
import { plan, type PlanStepKind } from '../src/planner/index.js';

export interface PlanMeasurements {
  readonly units: number;
  readonly steps: Record<PlanStepKind, number>;
  readonly unchanged: number;
  readonly runs: number;
  /** Desired sorted as `desiredState()` gives it, observed in random order: the usual case. */
  readonly usual: Timing;
  /** Both sides in random order: the worst case. */
  readonly shuffled: Timing;
  readonly peakRssMiB: number;
  readonly rssBeforePlanMiB: number;
  readonly planHeapGrowthMiB: number;
}

export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

const SERVICES = 10_000;
const ENVIRONMENTS = Array.from({ length: 10 }, (_, i) => `env-${i}`);
const WARMUP = 3;
const RUNS = 9;
const MiB = 1024 * 1024;

function spec(i: number): Service {
  return {
    workload: {
      command: 'node',
      args: ['server.js', `--name=svc-${i}`],
      env: { NODE_ENV: 'production', SERVICE_INDEX: String(i), LOG_LEVEL: 'info' },
      ports: { http: 'auto' },
    },
    replicas: 2,
    resources: {},
    environments: { 'env-0': { replicas: 1, env: { LOG_LEVEL: 'debug' } } },
  };
}

function release(i: number, version: string): Release {
  const service = `svc-${String(i).padStart(5, '0')}`;
  return { id: `${service}@${version}`, service, version, artifactDigest: null, specHash: 'bench', spec: spec(i), createdAt: new Date(0), createdBy: 'bench' };
}

/** Desired units, and an observed state where about 10% differ: 3% missing, 3% older release, 2% config, 2% replicas, plus 1% extra. */
function fixture(): { desired: DesiredUnit[]; observed: ObservedUnit[] } {
  const desired: DesiredUnit[] = [];
  const observed: ObservedUnit[] = [];
  let n = 0;
  for (let i = 0; i < SERVICES; i++) {
    const current = release(i, '1.1.0');
    for (const environment of ENVIRONMENTS) {
      const unit = desiredUnit(current, environment, 'local', { projectDir: '/srv/bench' });
      desired.push(unit);
      const slot = (n++ * 37) % 100; // spreads the kinds of difference over the whole set
      if (slot < 3) continue;
      const running: ObservedUnit = { ...unit, instances: [], health: 'healthy' };
      if (slot < 6) observed.push({ ...running, release: { ...unit.release, id: `${unit.service}@1.0.0`, version: '1.0.0' } });
      else if (slot < 8) observed.push({ ...running, configHash: 'stale' });
      else if (slot < 10) observed.push({ ...running, replicas: unit.replicas + 1 });
      else observed.push(running);
      if (slot === 10) observed.push({ ...running, target: 'retired-host' });
    }
  }
  // Runtimes report in no particular order; desiredState() sorts.
  return { desired: desiredState(desired).units as DesiredUnit[], observed: shuffle(observed) };
}

/** Fisher–Yates with a fixed-seed linear congruential generator: the same order on every run. */
function shuffle<T>(items: T[]): T[] {
  let seed = 42;
  for (let i = items.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const { desired, observed } = fixture();
const desiredInput = { units: desired };
const observedInput = { units: observed };
gc();
const heapBefore = process.memoryUsage().heapUsed;
const rssBeforePlanMiB = process.memoryUsage().rss / MiB;
const first = plan(desiredInput, observedInput);
const planHeapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / MiB;
const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB;

/** Median, min and max milliseconds of `RUNS` plans after `WARMUP` untimed ones. */
function time(desiredUnits: DesiredUnit[], observedUnits: ObservedUnit[]): Timing {
  for (let i = 0; i < WARMUP; i++) plan({ units: desiredUnits }, { units: observedUnits });
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    gc!();
    const start = performance.now();
    plan({ units: desiredUnits }, { units: observedUnits });
    times.push(performance.now() - start);
  }
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
}

const usual = time(desired, observed);
const shuffled = time(shuffle([...desired]), observed);

const steps: Record<PlanStepKind, number> = { deploy: 0, 'update-config': 0, scale: 0, repair: 0, remove: 0 };
for (const step of first.steps) steps[step.kind]++;
const measurements: PlanMeasurements = {
  units: desired.length,
  steps,
  unchanged: first.unchanged.length,
  runs: RUNS,
  usual,
  shuffled,
  peakRssMiB,
  rssBeforePlanMiB,
  planHeapGrowthMiB,
};
process.stdout.write(`${JSON.stringify(measurements)}\n`);
