/**
 * Killing Slipway with SIGKILL at random points of a three-environment promotion, then starting
 * it again (`slipway up`), always ends with the release running in every environment, one process
 * each, and a complete event history. Each kill point is chosen from a seed and printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesUnder, runCli, startCli } from './helpers/cli.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const TRIALS = 20;
const SEED = Number(process.env.SLIPWAY_KILL_SEED ?? 20261125);

const dir = projectDir('kill');
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: durability
services:
  api:
${API_WORKLOAD}
environments:
  dev: { targets: [local], soakSeconds: 2 }
  staging: { promotesFrom: [dev], targets: [local], soakSeconds: 2, verification: { http: [{ path: /healthz, port: http }] } }
  prod: { promotesFrom: [staging], targets: [local], verification: { http: [{ path: /, port: http }] } }
targets:
  local: { runtime: process }
`,
);
const cli = (...args: string[]) => runCli(['--project', dir, ...args]);

/** A small deterministic generator (mulberry32), so a failing trial can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Promotion {
  version: string;
  status: string;
  environments: Record<string, { phase: string }>;
}

async function promotionOf(version: string): Promise<Promotion | undefined> {
  const history = JSON.parse((await cli('history', 'api', '--json')).stdout) as { promotions: Promotion[] };
  return history.promotions.find((p) => p.version === version);
}

afterAll(async () => {
  await cli('down');
  await removeProject(dir);
});

describe('durability', () => {
  it(`finishes every promotion correctly after SIGKILL at ${TRIALS} random points`, { timeout: 600_000 }, async () => {
    const next = random(SEED);
    const log: string[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      const version = `v${trial}`;
      writeFileSync(join(dir, 'api', 'TRIAL'), `${trial}\n`);
      // The CLI needs about 2 s to start (tsx, PGlite); the promotion then runs for about 5 s (two 2 s soaks).
      const killAfterMs = 2000 + Math.floor(next() * 6000);
      const promote = startCli(['--project', dir, 'promote', 'api', '--version', version]);
      const finishedFirst = await Promise.race([
        new Promise((r) => setTimeout(() => r(false), killAfterMs)),
        new Promise((r) => promote.process.once('close', () => r(true))),
      ]);
      await promote.stop('SIGKILL');
      let promotion = await promotionOf(version);
      const point = finishedFirst ? 'after it finished' : promotion ? `at ${JSON.stringify(Object.fromEntries(Object.entries(promotion.environments).map(([e, p]) => [e, p.phase])))}` : 'before the promotion was recorded';
      log.push(`trial ${trial} (seed ${SEED}): killed after ${killAfterMs} ms, ${point}`);
      console.log(log.at(-1));
      if (!promotion) {
        // Killed before anything was recorded: nothing happened, so the user asks again.
        expect((await cli('promote', 'api', '--version', version)).code).toBe(0);
      } else if (promotion.status !== 'succeeded') {
        const up = startCli(['--project', dir, 'up', '--no-http']);
        await up.waitFor('is supervising', 60_000);
        for (let i = 0; i < 300 && (await promotionOf(version))?.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 200));
        expect(await up.stop('SIGTERM')).toBe(0);
      }
      promotion = await promotionOf(version);
      expect(promotion, log.at(-1)).toMatchObject({ status: 'succeeded', environments: { dev: { phase: 'succeeded' }, staging: { phase: 'succeeded' }, prod: { phase: 'succeeded' } } });
      const status = JSON.parse((await cli('status', '--json')).stdout) as { environment: string; release: string; health: string; ready: number }[];
      expect(status.map((r) => [r.environment, r.release, r.health, r.ready]), log.at(-1)).toEqual([
        ['dev', version, 'healthy', 1],
        ['staging', version, 'healthy', 1],
        ['prod', version, 'healthy', 1],
      ]);
      expect(processesUnder(dir), log.at(-1)).toHaveLength(3);
      const events = JSON.parse((await cli('events', '--service', 'api', '--limit', '10000', '--json')).stdout) as { type: string; environment: string | null }[];
      // Each promotion is told exactly once: started, advanced in each environment, completed.
      const count = (type: string, environment: string | null = null) => events.filter((e) => e.type === type && (environment === null || e.environment === environment)).length;
      expect(
        [count('promotion.started'), count('promotion.advanced', 'dev'), count('promotion.advanced', 'staging'), count('promotion.advanced', 'prod'), count('promotion.completed')],
        log.at(-1),
      ).toEqual([trial, trial, trial, trial, trial]);
    }
  });
});
