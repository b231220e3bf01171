/**
 * The planner at scale: 10,000 services × 10 environments (100,000 units), about 10% of them
 * differing from what runs. Targets from DESIGN.md: under 1 s and under 500 MiB.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PlanMeasurements, Timing } from './plan-worker.js';
import type { Benchmark, Result } from './types.js';

const worker = fileURLToPath(new URL('./plan-worker.ts', import.meta.url));

const benchmark: Benchmark = {
  name: 'plan',
  description: 'plan() over 10,000 services × 10 environments, ~10% differing, observed in random order, in a fresh child process',
  async run() {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', worker], {
      maxBuffer: 1024 * 1024,
    });
    const m = JSON.parse(stdout.trim().split('\n').at(-1)!) as PlanMeasurements;
    const changed = Object.values(m.steps).reduce((sum, count) => sum + count, 0);
    return [
      timing(`plan time, desired sorted, observed shuffled: median of ${m.runs}`, m.usual),
      timing(`plan time, both shuffled (worst case): median of ${m.runs}`, m.shuffled),
      { measure: 'peak RSS of the whole process (fixtures included)', value: m.peakRssMiB, unit: 'MiB', target: 500 },
      { measure: 'RSS before planning (node + fixtures)', value: m.rssBeforePlanMiB, unit: 'MiB' },
      { measure: 'heap growth across one plan() (result included)', value: m.planHeapGrowthMiB, unit: 'MiB' },
      { measure: `units (${changed} steps: ${formatCounts(m.steps)}; ${m.unchanged} unchanged)`, value: m.units, unit: 'units' },
    ];
  },
};

function timing(measure: string, t: Timing): Result {
  return { measure: `${measure} (min ${t.minMs.toFixed(0)}, max ${t.maxMs.toFixed(0)})`, value: t.medianMs, unit: 'ms', target: 1000 };
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

export default benchmark;
