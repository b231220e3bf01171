/**
 * How long a short CLI command takes from the shell, as a user feels it: the built
 * `bin/slipway.js` (run `npm run build` first) for `help` and for `validate` on a copy of the
 * quickstart, against `node -e ''` (Node's own start) in the same run. No target in DESIGN.md;
 * what the CLI loads before it acts is what this shows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { copyExample } from '../test/helpers/cli.js';
import type { Benchmark, Result } from './types.js';

const RUNS = 9;
const bin = fileURLToPath(new URL('../bin/slipway.js', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median wall time in ms of `node …args` run RUNS times, after one run that warms the file cache. */
function timed(args: readonly string[]): { median: number; min: number; max: number } {
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  const times = Array.from({ length: RUNS }, () => {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - started;
  });
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

const benchmark: Benchmark = {
  name: 'cli-start',
  description: `a short CLI command from the shell (built CLI, median of ${RUNS}): help, validate on the quickstart, and Node's own start`,
  async run(): Promise<Result[]> {
    if (!existsSync(built)) throw new Error('dist/ is missing: run npm run build first');
    const project = copyExample('quickstart');
    try {
      const node = timed(['-e', '']);
      const rows: [string, ReturnType<typeof timed>][] = [
        ["node -e '' (Node's own start)", node],
        ['slipway help', timed([bin, 'help'])],
        ['slipway validate (quickstart: 2 services, 4 layers)', timed([bin, '-p', project.dir, 'validate'])],
      ];
      return rows.map(([what, t]) => ({ measure: `${what}: median of ${RUNS} (min ${Math.round(t.min)}, max ${Math.round(t.max)})`, value: t.median, unit: 'ms' }));
    } finally {
      project.cleanup();
    }
  },
};

export default benchmark;
