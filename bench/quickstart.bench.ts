/**
 * The quickstart as a user times it: `slipway up` from nothing to both services answering, a
 * restart of Slipway that adopts what runs, and `kill -9` of a service to it answering again.
 * Runs the real CLI on a copy of examples/quickstart, its ports moved to free ones.
 */
import { copyExample, killPids, processesUnder, runCli, startCli } from '../test/helpers/cli.js';
import type { Benchmark, Result } from './types.js';

const KILL_TRIALS = 3;
/** The process runtime's backoff starts again after 10 s of readiness: each trial starts from its first delay. */
const BETWEEN_KILLS_MS = 10_500;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(500) })).ok;
  } catch {
    return false;
  }
}

/** Milliseconds from `since` until every url answers 200, polling every 10 ms. */
async function untilAnswering(since: number, urls: readonly string[], timeoutMs = 60_000): Promise<number> {
  while (!(await Promise.all(urls.map(answers))).every(Boolean)) {
    if (performance.now() - since > timeoutMs) throw new Error(`${urls.join(', ')} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - since;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const benchmark: Benchmark = {
  name: 'quickstart',
  description: `slipway up on the quickstart (cold and adopting), and kill -9 of a service to answering again (${KILL_TRIALS} trials)`,
  async run(): Promise<Result[]> {
    const project = copyExample('quickstart');
    const [API, WEB] = [7100, 7110].map((port) => `http://127.0.0.1:${project.port(port)}/`) as [string, string];
    let up = startCli(['up', '--project', project.dir]);
    try {
      const coldStart = performance.now();
      const cold = await untilAnswering(coldStart, [API, WEB]);
      await up.waitFor('is supervising', 60_000);

      await up.stop('SIGTERM');
      const warmStart = performance.now();
      up = startCli(['up', '--project', project.dir]);
      await up.waitFor('is supervising', 60_000);
      const warm = performance.now() - warmStart;

      const restarts: number[] = [];
      for (let trial = 0; trial < KILL_TRIALS; trial++) {
        await new Promise((r) => setTimeout(r, BETWEEN_KILLS_MS));
        const status = await runCli(['--project', project.dir, 'status', '--json']);
        const api = (JSON.parse(status.stdout) as { service: string; environment: string; instances: { pid: number }[] }[]).find(
          (row) => row.service === 'api' && row.environment === 'dev',
        )!;
        const killedAt = performance.now();
        process.kill(api.instances[0]!.pid, 'SIGKILL');
        while (await answers(API)) await new Promise((r) => setTimeout(r, 1)); // the socket closes with the process
        restarts.push(await untilAnswering(killedAt, [API], 10_000));
      }
      return [
        { measure: 'slipway up, cold (new store, two releases cut and deployed) → both answering', value: cold, unit: 'ms' },
        { measure: 'slipway up again, adopting the running services → supervising', value: warm, unit: 'ms' },
        { measure: `kill -9 of api → answering again: median of ${KILL_TRIALS} (${restarts.map((r) => r.toFixed(0)).join(', ')})`, value: median(restarts), unit: 'ms', target: 1000 },
      ];
    } finally {
      await up.stop('SIGTERM');
      await runCli(['--project', project.dir, 'down']);
      killPids(processesUnder(project.dir));
      project.cleanup();
    }
  },
};

export default benchmark;
