/**
 * Resources end to end, through the CLI: a service asks for a Redis and a volume; a deployment
 * provisions them on a real redis-server and on this machine, and the running process gets the
 * outputs in its env through `${resources.<name>.<output>}`; the Redis password is never printed;
 * a person's `resources apply` removes both once the service stops asking.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/provisioners/builtin/index.js';
import { startRedis, type RedisServer } from './harness/redis.js';
import { killPids, processesUnder, runCli, type CliResult } from './helpers/cli.js';
import { unusedPort } from './helpers/ports.js';
import { until } from './helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-resources-'));
let redis: RedisServer;
const outputs: CliResult[] = [];
const cli = async (args: string[], input?: string) => {
  const result = await runCli(['--project', dir, ...args], { ...(input !== undefined && { input }) });
  outputs.push(result);
  return result;
};

const SERVER = `
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
writeFileSync(process.env.DATA_DIR + '/written-by-worker', 'hello');
createServer((_, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

function project(withResources: boolean): string {
  const env = withResources
    ? '        REDIS_URL: ${resources.cache.url}\n        CACHE_PREFIX: ${resources.cache.prefix}\n        DATA_DIR: ${resources.data.source}\n'
    : '        DATA_DIR: /tmp\n';
  const resources = withResources ? '    resources:\n      cache: { type: redis }\n      data: { type: volume }\n' : '';
  return `project: cached
layers: [platform.yaml]
services:
  worker:
    workload:
      command: node
      args: [server.mjs]
      artifact: ./worker
      env:
${env}      ports:
        http: ${port}
      readinessProbe:
        httpGet: { path: /, port: http }
${resources}environments:
  dev:
    targets: [local]
targets:
  local:
    runtime: process
`;
}
const port = unusedPort();

function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

beforeAll(async () => {
  redis = await startRedis();
  mkdirSync(join(dir, 'worker'));
  writeFileSync(join(dir, 'worker', 'server.mjs'), SERVER);
  writeFileSync(join(dir, 'platform.yaml'), 'owner: platform\nprovisioners:\n  - { type: redis, provisioner: redis, adminUrl: "secret:redis-admin" }\n  - { type: volume, provisioner: volume }\n');
  writeFileSync(join(dir, 'slipway.yaml'), project(true));
});

afterAll(async () => {
  await runCli(['--project', dir, 'down']);
  killPids(processesUnder(dir));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('resources through the CLI', () => {
  it('a deployment provisions a Redis user and a volume, and the process gets their outputs; the password is never printed', async () => {
    expect((await cli(['secret', 'set', 'redis-admin'], redis.url)).code).toBe(0);
    const deploy = await cli(['deploy', 'worker', '--env', 'dev']);
    expect(deploy.code, deploy.stderr).toBe(0);

    const [pid] = processesUnder(dir);
    const env = environOf(pid!);
    const cache = await connectRedis(env.REDIS_URL!);
    try {
      expect(await cache.command('SET', `${env.CACHE_PREFIX}hits`, '1')).toBe('OK');
    } finally {
      await cache.end();
    }
    expect(await until('the worker writes into its volume', async () => (existsSync(join(env.DATA_DIR!, 'written-by-worker')) ? true : undefined))).toBe(true);

    await cli(['status', '--json']);
    await cli(['explain', 'worker', '--env', 'dev', '--json']);
    await cli(['resources', 'plan', '--env', 'dev', '--json']);
    const password = decodeURIComponent(new URL(env.REDIS_URL!).password);
    for (const output of outputs) expect(output.stdout + output.stderr).not.toContain(password);
  }, 300_000); // six CLI runs, one deploying: 133 s once on a two-core machine shared with four other test runs, through tsx

  it('removes the user and the volume only when a person applies the plan that says so', async () => {
    const [pid] = processesUnder(dir);
    const env = environOf(pid!);
    writeFileSync(join(dir, 'slipway.yaml'), project(false));
    expect((await cli(['deploy', 'worker', '--env', 'dev'])).code).toBe(0);
    await (await connectRedis(env.REDIS_URL!)).end(); // a deployment never deletes
    expect(existsSync(env.DATA_DIR!)).toBe(true);

    expect((await cli(['resources', 'plan', '--env', 'dev'])).stdout).toMatch(/^delete worker\.cache: [\s\S]*^delete worker\.data: /m);
    const apply = await cli(['resources', 'apply', '--env', 'dev']);
    expect(apply.stdout).toMatch(/worker\.cache deleted/);
    await expect(connectRedis(env.REDIS_URL!)).rejects.toThrow(/WRONGPASS/);
    expect(existsSync(env.DATA_DIR!)).toBe(false);
  }, 300_000);
});
