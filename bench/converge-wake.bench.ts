/**
 * How soon the control plane puts back what was removed by hand: a project of one service on a
 * `null` target (whose own work is a map update), the loops `slipway server` runs, and the unit
 * deleted from the runtime's state TRIALS times at random moments; each trial times until the
 * reconciler has applied it again. No target in DESIGN.md (its "crashed process back in under
 * 1 s" is the process runtime's own supervision, measured by `quickstart`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy, Workspace } from '../src/engine/index.js';
import type { NullRuntime } from '../src/runtimes/index.js';
import { startControlPlane } from '../src/server/index.js';
import type { Benchmark, Result } from './types.js';

const TRIALS = 9;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const benchmark: Benchmark = {
  name: 'converge-wake',
  description: `a unit deleted by hand on a null target until the control plane has applied it again (${TRIALS} trials at random moments)`,
  async run(): Promise<Result[]> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-wake-'));
    writeFileSync(join(dir, 'slipway.yaml'), `project: wake\nservices:\n  api:\n    workload: { command: node }\nenvironments:\n  dev: { targets: [t] }\ntargets:\n  t: { runtime: 'null' }\n`);
    const ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
    try {
      await deploy(ws, { service: 'api', environment: 'dev', actor: 'bench' });
      const plane = await startControlPlane(ws, { tokens: ws.store.tokens, onError: (what, error) => console.error(`${what}:`, error) });
      try {
        const { units } = (ws.runtime('t') as NullRuntime).state;
        const [id] = [...units.keys()];
        await sleep(3000); // the loops' first passes
        const times: number[] = [];
        for (let i = 0; i < TRIALS; i++) {
          await sleep(500 + Math.random() * 1500);
          units.delete(id!);
          const started = performance.now();
          while (!units.has(id!)) await sleep(2);
          times.push(performance.now() - started);
        }
        const sorted = [...times].sort((a, b) => a - b).map(Math.round);
        return [{ measure: `deleted by hand → applied again: median of ${TRIALS} (${sorted.join(', ')})`, value: median(times), unit: 'ms' }];
      } finally {
        await plane.stop();
      }
    } finally {
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
