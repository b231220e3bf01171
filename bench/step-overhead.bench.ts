/**
 * Orchestration overhead per step: what Slipway itself spends around a runtime's work (reloading
 * the project, cutting the release, planning, journaling each step before and after it acts,
 * recording events), measured with the `null` runtime, whose own work is a map update, on the
 * embedded store the quickstart uses. Target from DESIGN.md: under 100 ms per step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalOperations, Workspace } from '../src/engine/index.js';
import type { Benchmark, Result } from './types.js';

const SERVICES = 20;
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const TARGET_MS = 100;

function projectFile(dir: string): string {
  const services = Array.from({ length: SERVICES }, (_, i) => `  svc-${i}:\n    workload: { command: node, env: { INDEX: "${i}" } }`).join('\n');
  const environments = ENVIRONMENTS.map((env, i) => `  ${env}: { targets: [nowhere]${i ? `, promotesFrom: [${ENVIRONMENTS[i - 1]}]` : ''} }`).join('\n');
  const file = join(dir, 'slipway.yaml');
  writeFileSync(file, `project: overhead\nservices:\n${services}\nenvironments:\n${environments}\ntargets:\n  nowhere: { runtime: 'null' }\n`);
  return file;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const benchmark: Benchmark = {
  name: 'step-overhead',
  description: `Slipway's own time per deployment step and per promotion step on the null runtime (${SERVICES} services, embedded store)`,
  async run(): Promise<Result[]> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-overhead-'));
    const ws = await Workspace.open({ projectFile: projectFile(dir) });
    const ops = new LocalOperations(ws, { drive: 'inline', onClose: async () => {} });
    try {
      const perStep: number[] = [];
      for (let i = 0; i < SERVICES; i++) {
        const started = performance.now();
        const outcome = await ops.deploy({ service: `svc-${i}`, environment: 'dev', actor: 'bench' });
        const elapsed = performance.now() - started;
        const steps = (await ops.deployment(outcome.deployment!.id)).steps.length;
        perStep.push(elapsed / steps);
      }
      const promotions: number[] = [];
      for (let i = 0; i < SERVICES; i++) {
        const started = performance.now();
        const promotion = await ops.promote({ service: `svc-${i}`, actor: 'bench' });
        if (promotion.status !== 'succeeded') throw new Error(`promotion of svc-${i} ended ${promotion.status}: ${promotion.message}`);
        // Each environment the release enters goes through gates, rollout, verification and soak.
        promotions.push((performance.now() - started) / (ENVIRONMENTS.length - 1));
      }
      return [
        { measure: `deployment step (median of ${SERVICES} one-step deployments, whole deploy call)`, value: median(perStep), unit: 'ms', target: TARGET_MS },
        { measure: 'deployment step, the first (cold: first queries, code loading)', value: perStep[0]!, unit: 'ms' },
        { measure: 'deployment step, slowest after the first', value: Math.max(...perStep.slice(1)), unit: 'ms' },
        { measure: `promotion into one environment (median of ${SERVICES}, gates → rollout → verify → soak)`, value: median(promotions), unit: 'ms', target: TARGET_MS },
        { measure: 'promotion into one environment, slowest', value: Math.max(...promotions), unit: 'ms' },
      ];
    } finally {
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
