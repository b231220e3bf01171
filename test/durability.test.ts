/**
 * Killing the control plane with SIGKILL at random points of multi-replica rollouts, then starting
 * it again, on local processes and on SSH hosts (sshd in network namespaces, two hosts, a replica
 * on each). After each kill, before the restart, `drift` must report every
 * difference there is (an environment left with instances of two releases among them); after the
 * restart, every promotion ends succeeded, every environment runs exactly one release on every
 * replica, every deployment has exactly one end event, and `/metrics` counts each outcome once.
 * The trials count how many kills landed mid-rollout (a deployment was running), and at least half
 * must: kills between rollouts prove little. Kill points (the environment whose rollout a kill waits
 * for, and how far into it) come from a seed, printed with each trial.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshHosts } from './harness/sshd.js';
import { killPids, processesUnder, runCli, startCli, type RunningCli } from './helpers/cli.js';
import { projectDir, removeProject } from './helpers/projects.js';
import { until } from './helpers/until.js';
import { stateDirOf } from '../src/engine/workspace.js';
import { ControlClient } from '../src/server/api-client.js';
import { controlSocketPath } from '../src/server/control-socket.js';

/** Trials per place (a trial costs half a minute on processes, two or three on SSH hosts, on a loaded two-core machine). */
const TRIALS = process.env.SLIPWAY_KILL_TRIALS ? Number(process.env.SLIPWAY_KILL_TRIALS) : undefined;
const SEED = Number(process.env.SLIPWAY_KILL_SEED ?? 20261205);
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** The service, two replicas, each ready 0.7 s after it starts, listening on `listen`, and three environments on `target`. */
function project(target: string, app: string, listen = '127.0.0.1'): string {
  return `project: durability
services:
  api:
    replicas: 2
    workload:
      command: ${process.execPath}
      args: [server.mjs]
      artifact: ./app
      ports: { http: auto }
      env: { STARTUP_DELAY_MS: "700", LISTEN_HOST: ${listen} }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1 }
environments:
  dev: { targets: [${target}] }
  staging: { promotesFrom: [dev], targets: [${target}], verification: { http: [{ path: /healthz, port: http }] } }
  prod: { promotesFrom: [staging], targets: [${target}], verification: { http: [{ path: /, port: http }] } }
targets:
  ${app}
`;
}

/** Where a suite runs: its project directory, and how long a promotion takes there (kills land across it). */
interface Place {
  readonly dir: string;
  readonly trials: number;
  stop(): Promise<void>;
}

/** A project on local processes. */
async function onProcesses(): Promise<Place> {
  const dir = projectDir('durability', []);
  mkdirSync(join(dir, 'app'));
  cpSync(FIXTURE, join(dir, 'app', 'server.mjs'));
  writeFileSync(join(dir, 'slipway.yaml'), project('local', 'local: { runtime: process }'));
  return { dir, trials: TRIALS ?? 6, stop: () => removeProject(dir) };
}

/** A project on two SSH hosts, a replica on each, logging in as the deploy user. */
async function onSshHosts(): Promise<Place> {
  const lab = await startSshHosts(2);
  const dir = projectDir('durability-ssh', []);
  mkdirSync(join(dir, 'app'));
  cpSync(FIXTURE, join(dir, 'app', 'server.mjs'));
  const hosts = lab.hosts.map((h) => `{ name: ${h.name}, address: ${h.address}, baseDir: ${h.baseDir} }`).join(', ');
  const target = `hosts: { runtime: ssh, hosts: [${hosts}], user: ${lab.user.name}, identityFile: ${lab.identityFile}, knownHosts: ${lab.knownHostsFile}, connectTimeoutSeconds: 5, readyTimeoutSeconds: 30 }`;
  writeFileSync(join(dir, 'slipway.yaml'), project('hosts', target, '0.0.0.0'));
  return {
    dir,
    trials: TRIALS ?? 4,
    stop: async () => {
      await removeProject(dir);
      await lab.stop();
    },
  };
}

const FIXTURE = resolve(import.meta.dirname, 'fixtures/http-service.mjs');

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
interface Deployment {
  id: string;
  status: string;
}
interface Row {
  environment: string;
  release?: string;
  running: string[];
  ready: number;
  instances: { id: string; state: string; release?: { version: string } }[];
}
interface Event {
  type: string;
  data: { deployment?: string };
}

describe.each([
  ['processes', onProcesses],
  ['ssh hosts', onSshHosts],
] as const)('durability on %s', (_, where) => {
  let place: Place;
  let up: RunningCli | undefined;
  const cli = (...args: string[]) => runCli(['--project', place.dir, ...args]);

  async function json<T>(...args: string[]): Promise<T> {
    const result = await cli(...args, '--json');
    if (result.code !== 0) throw new Error(`slipway ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Resolves once a deployment into `environment` runs (or none will: the promotion settled), asking the running control plane. */
  async function rolloutRunning(environment: string): Promise<void> {
    // The running control plane's own socket: never the workspace opened here, which it holds.
    const ops = new ControlClient(controlSocketPath(stateDirOf(join(place.dir, 'slipway.yaml'))));
    try {
      await until(`a deployment into ${environment}`, async () => {
        const { promotions, deployments } = await ops.history('api');
        const settled = promotions[0] && ['succeeded', 'failed'].includes(promotions[0].status);
        return settled || deployments.some((d) => d.environment === environment && d.status === 'running') || undefined;
      }, 120_000, 20);
    } finally {
      await ops.close();
    }
  }

  async function startUp(): Promise<RunningCli> {
    const started = startCli(['--project', place.dir, 'up', '--no-http']);
    await started.waitFor('is supervising', 120_000);
    return started;
  }

  beforeAll(async () => {
    place = await where();
  }, 180_000);

  afterAll(async () => {
    await up?.stop('SIGKILL');
    await cli('down');
    killPids(processesUnder(place.dir));
    await place.stop();
  }, 180_000);

  it('leaves every environment on one release after SIGKILL at random points of multi-replica rollouts', { timeout: 1_800_000 }, async () => {
    const dir = place.dir;
    const next = random(SEED);
    const log: string[] = [];
    let midRollout = 0;
    up = await startUp(); // deploys v1 into dev
    for (let trial = 1; trial <= place.trials; trial++) {
      const version = `v${trial + 1}`;
      writeFileSync(join(dir, 'app', 'TRIAL'), `${trial}\n`);
      // A promotion goes through three environments of two replicas, each ready after 0.7 s. Each
      // kill is aimed inside a rollout: once a deployment into a randomly chosen environment runs
      // (asked through the control socket, in milliseconds), after a random part of its first second.
      const aim = ENVIRONMENTS[Math.floor(next() * ENVIRONMENTS.length)]!;
      const killAfterMs = Math.floor(next() * 1000);
      expect((await cli('promote', 'api', '--version', version)).code).toBe(0);
      await rolloutRunning(aim);
      await new Promise((r) => setTimeout(r, killAfterMs));
      await up.stop('SIGKILL');
      up = undefined;

      // The control plane is gone; the services are not. What was it doing?
      const history = await json<{ promotions: Promotion[]; deployments: Deployment[] }>('history', 'api');
      const landed = history.deployments.some((d) => d.status === 'running');
      if (landed) midRollout++;
      const promotion = history.promotions.find((p) => p.version === version);
      const where = promotion ? Object.entries(promotion.environments).map(([e, p]) => `${e} ${p.phase}`).join(', ') : 'not recorded';
      log.push(`trial ${trial} (seed ${SEED}): killed ${killAfterMs} ms into ${aim}'s rollout, ${landed ? 'mid-rollout' : 'between rollouts'}: ${where}`);
      console.log(log.at(-1));

      // drift reports every environment whose replicas run more than one release.
      const status = await json<Row[]>('status');
      const mixed = status.filter((r) => new Set(r.instances.map((i) => i.release?.version)).size > 1).map((r) => r.environment);
      const drift = (await json<{ environment: string }[]>('drift')).map((d) => d.environment);
      if (mixed.length) console.log(`  left with two releases in ${mixed.join(', ')}; drift reports ${drift.join(', ')}`);
      expect(drift, log.at(-1)).toEqual(expect.arrayContaining(mixed));

      up = await startUp();
      const done = await until(`${version} promoted after the restart`, async () => {
        const found = (await json<{ promotions: Promotion[] }>('history', 'api')).promotions.find((p) => p.version === version);
        return found && ['succeeded', 'failed'].includes(found.status) ? found : undefined;
      }, 120_000);
      expect(done, `${log.at(-1)}\n${JSON.stringify(done.environments)}\n${(await cli('events', '--service', 'api', '--limit', '40')).stdout}`).toMatchObject({ status: 'succeeded' });
      // Every environment runs exactly one release, the new one, on both replicas, all ready.
      const settled = await until('every environment on one release', async () => {
        const rows = await json<Row[]>('status');
        return rows.every((r) => r.running.length === 1 && r.ready === 2 && r.instances.every((i) => i.release?.version === version)) ? rows : undefined;
      }, 120_000);
      expect(settled.map((r) => [r.environment, r.release, r.running]), log.at(-1)).toEqual(ENVIRONMENTS.map((e) => [e, version, [version]]));
      expect(await json<unknown[]>('drift'), log.at(-1)).toEqual([]);
    }

    // Every deployment started was told to end exactly once.
    const events = await json<Event[]>('events', '--limit', '100000');
    const ends = new Map<string, number>();
    for (const e of events.filter((e) => /^deployment\.(succeeded|failed|partial)$/.test(e.type))) ends.set(e.data.deployment!, (ends.get(e.data.deployment!) ?? 0) + 1);
    const started = events.filter((e) => e.type === 'deployment.started').map((e) => e.data.deployment ?? '');
    const deployments = (await json<{ deployments: Deployment[] }>('history', 'api')).deployments;
    expect([...ends.values()].every((n) => n === 1), JSON.stringify([...ends])).toBe(true);
    expect(deployments.every((d) => d.status !== 'running')).toBe(true);
    expect(ends.size).toBe(new Set(started).size);

    // /metrics counts each outcome once: as many as the deployments that ended so.
    await up?.stop('SIGTERM');
    up = undefined;
    const server = startCli(['--project', place.dir, 'server', '--port', '0']);
    try {
      await server.waitFor('http://', 60_000);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(server.stdout())![0];
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const counted = (outcome: string) => [...metrics.matchAll(new RegExp(`^slipway_deployments_total\\{outcome="${outcome}",environment="[^"]+"\\} (\\d+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
      for (const outcome of ['succeeded', 'failed', 'partial']) expect(counted(outcome), outcome).toBe(events.filter((e) => e.type === `deployment.${outcome}`).length);
    } finally {
      await server.stop('SIGTERM');
    }

    console.log(`${midRollout} of ${place.trials} kills landed mid-rollout`);
    expect(midRollout, log.join('\n')).toBeGreaterThanOrEqual(Math.ceil(place.trials / 2));
  });
});
