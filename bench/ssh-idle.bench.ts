/**
 * What a `slipway server` costs while nothing changes, watching one release on 20 SSH hosts (sshd in
 * network namespaces, see test/harness): the release is deployed by `slipway deploy`, the server is
 * started, and after a settling time a minute of idling is measured — CPU seconds of the server
 * process, CPU seconds of everything running on the hosts (sshd and all it starts: sessions,
 * scripts, supervisors, the services themselves), and tasks started on the hosts (forks, and
 * programs run). Reported, never asserted; the design's target is no process per host per second.
 * Needs root, sshd, the cpuacct cgroup controller, and `perf` for the task counts (`bench/host-cost.ts`).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, startCli } from '../test/helpers/cli.js';
import { startSshHosts } from '../test/harness/sshd.js';
import { canTraceForks, countSpawned, CpuGroup } from './host-cost.js';
import type { Benchmark, Result } from './types.js';

const HOSTS = 20;
const APP = fileURLToPath(new URL('../src/runtimes/ssh/testdata/app', import.meta.url));
/** Seconds the server is given to open its links and observe everything once before measuring. */
const SETTLE_S = Number(process.env.SLIPWAY_BENCH_IDLE_SETTLE ?? 15);
/** Seconds measured. */
const WINDOW_S = Number(process.env.SLIPWAY_BENCH_IDLE_WINDOW ?? 60);
const PORT = 8311;

const benchmark: Benchmark = {
  name: 'ssh-idle',
  description: `the idle cost of slipway server watching one release on ${HOSTS} SSH hosts: CPU of the server and of the hosts, tasks started on the hosts`,
  async run(): Promise<Result[]> {
    const lab = await startSshHosts(HOSTS);
    const hosts = new CpuGroup('hosts');
    const server = new CpuGroup('server');
    const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-idle-'));
    let running: ReturnType<typeof startCli> | undefined;
    try {
      for (const host of lab.hosts) hosts.add(host.sshd.pid!);
      cpSync(APP, join(dir, 'app'), { recursive: true });
      const entries = lab.hosts.map((h) => `{ name: ${h.name}, address: ${h.address}, baseDir: ${lab.userDir(join(h.baseDir, 'idle'))} }`);
      writeFileSync(
        join(dir, 'slipway.yaml'),
        `project: idle
services:
  api:
    replicas: ${HOSTS}
    workload:
      command: ${process.execPath}
      args: [server.mjs]
      artifact: ./app
      ports: { http: ${PORT} }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  prod: { targets: [hosts] }
targets:
  hosts:
    runtime: ssh
    hosts: [${entries.join(', ')}]
    user: ${lab.user.name}
    identityFile: ${lab.identityFile}
    knownHosts: ${lab.knownHostsFile}
`,
      );
      for (const host of lab.hosts) lab.network.assertReachable(host.net);
      const deployed = await runCli(['deploy', 'api', '-e', 'prod', '-p', dir]);
      if (deployed.code !== 0) throw new Error(`slipway deploy failed (${deployed.code}):\n${deployed.stdout}${deployed.stderr}`);
      running = startCli(['server', '--port', '0', '-p', dir]);
      await running.waitFor('Slipway serves');
      server.add(running.process.pid!);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
      const before = { server: server.cpuSeconds(), hosts: hosts.cpuSeconds() };
      const started = performance.now();
      const spawned = canTraceForks() ? await countSpawned(hosts, WINDOW_S) : undefined;
      if (!spawned) await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
      const minutes = (performance.now() - started) / 60_000;
      const perMinute = (value: number) => value / minutes;
      const results: Result[] = [
        { measure: 'server process, CPU per minute idle', value: perMinute(server.cpuSeconds() - before.server), unit: 's' },
        { measure: `${HOSTS} hosts (sshd and all it starts), CPU per minute idle`, value: perMinute(hosts.cpuSeconds() - before.hosts), unit: 's' },
      ];
      if (spawned) {
        results.push(
          { measure: `tasks forked on the ${HOSTS} hosts per minute idle (target: none per host per second)`, value: Math.round(perMinute(spawned.forks)), unit: 'tasks', target: HOSTS * 60 },
          { measure: `programs run on the ${HOSTS} hosts per minute idle`, value: Math.round(perMinute(spawned.execs)), unit: 'execs' },
        );
      } else console.error('  perf cannot trace here (install linux-perf): tasks on the hosts not counted');
      for (const r of results) console.error(`  ${r.measure}: ${r.value.toFixed(2)} ${r.unit}`);
      return results;
    } finally {
      await running?.stop('SIGINT');
      await lab.stop();
      hosts.remove();
      server.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
