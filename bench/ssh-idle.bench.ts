/**
 * What a `slipway server` costs while nothing changes, watching one release on 20 SSH hosts (sshd in
 * network namespaces, see test/harness), before and after observation was pushed by the hosts:
 * "before" is the server of an earlier revision (`SLIPWAY_BENCH_IDLE_BEFORE`, default the last one
 * that observed every target every second), "after" this checkout's (a watcher per host, a full
 * check every 5 minutes). The release is deployed once by `slipway deploy`; then each server in
 * turn is started, given a settling time, and a minute of idling is measured: CPU seconds of the
 * server process, CPU seconds of everything running on the hosts (sshd and all it starts:
 * sessions, scripts, supervisors, the services themselves), and tasks started on the hosts (forks,
 * and programs run). Reported, never asserted; the design's target is no process per host per second.
 * Needs root, sshd, git, the cpuacct cgroup controller, and `perf` for the task counts (`bench/host-cost.ts`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { startSshHosts } from '../test/harness/sshd.js';
import { SSH_APP, sshProjectFile } from './ssh-project.js';
import { canTraceForks, countSpawned, CpuGroup } from './host-cost.js';
import type { Benchmark, Result } from './types.js';

const HOSTS = 20;
const ROOT = resolve(import.meta.dirname, '..');
/** Seconds each server is given to open its links and observe everything once before measuring. */
const SETTLE_S = Number(process.env.SLIPWAY_BENCH_IDLE_SETTLE ?? 15);
/** Seconds measured, per server. */
const WINDOW_S = Number(process.env.SLIPWAY_BENCH_IDLE_WINDOW ?? 60);
/** The revision measured as "before": main as it was when every target was observed every second. */
const BEFORE = process.env.SLIPWAY_BENCH_IDLE_BEFORE ?? 'a9604ad';
/** The services' port, on each host (a network namespace of its own). */
const PORT = 8311;

/** A checkout of `revision` in a temporary directory, sharing this one's node_modules; `remove()` deletes it. */
function checkout(revision: string): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-before-'));
  const archive = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', revision, 'src', 'package.json', 'tsconfig.json'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `slipway server` of the source tree at `root` on `project`; resolves once it serves. */
async function startServer(root: string, project: string): Promise<{ readonly pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts'), 'server', '--port', '0', '-p', project], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  await new Promise<void>((serving, failed) => {
    const check = () => out.includes('Slipway serves') && serving();
    child.stdout.on('data', check);
    void exited.then(() => failed(new Error(`slipway server of ${root} exited before serving:\n${out}`)));
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

const benchmark: Benchmark = {
  name: 'ssh-idle',
  description: `the idle cost of slipway server watching one release on ${HOSTS} SSH hosts, before (${BEFORE}: every host observed every second) and after (a watcher per host): CPU of the server and of the hosts, tasks started on the hosts`,
  async run(): Promise<Result[]> {
    const lab = await startSshHosts(HOSTS);
    const hosts = new CpuGroup('hosts');
    const groups: CpuGroup[] = [hosts];
    const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-idle-'));
    const before = checkout(BEFORE);
    try {
      for (const host of lab.hosts) hosts.add(host.sshd.pid!);
      const project = join(dir, 'project');
      mkdirSync(project);
      cpSync(SSH_APP, join(project, 'app'), { recursive: true });
      writeFileSync(join(project, 'slipway.yaml'), sshProjectFile(lab, { project: 'idle', service: 'api', port: PORT, baseDir: (h) => lab.userDir(join(h.baseDir, 'idle')) }));
      for (const host of lab.hosts) lab.network.assertReachable(host.net);
      const deployed = await runCli(['deploy', 'api', '-e', 'prod', '-p', project]);
      if (deployed.code !== 0) throw new Error(`slipway deploy failed (${deployed.code}):\n${deployed.stdout}${deployed.stderr}`);
      const tracing = canTraceForks();
      if (!tracing) console.error('  perf cannot trace here (install linux-perf): tasks on the hosts not counted');
      const results: Result[] = [];
      for (const [side, root] of [[`before (${BEFORE}, polling)`, before.dir], ['after (watch)', ROOT]] as const) {
        const server = new CpuGroup(`server-${groups.length}`);
        groups.push(server);
        const running = await startServer(root, project);
        try {
          server.add(running.pid);
          await new Promise((done) => setTimeout(done, SETTLE_S * 1000));
          const start = { server: server.cpuSeconds(), hosts: hosts.cpuSeconds(), at: performance.now() };
          const spawned = tracing ? await countSpawned(hosts, WINDOW_S) : undefined;
          if (!spawned) await new Promise((done) => setTimeout(done, WINDOW_S * 1000));
          const perMinute = (value: number) => value / ((performance.now() - start.at) / 60_000);
          results.push(
            { measure: `${side}: server process, CPU per minute idle`, value: perMinute(server.cpuSeconds() - start.server), unit: 's' },
            { measure: `${side}: ${HOSTS} hosts (sshd and all it starts), CPU per minute idle`, value: perMinute(hosts.cpuSeconds() - start.hosts), unit: 's' },
          );
          if (spawned) {
            results.push(
              { measure: `${side}: tasks forked on the ${HOSTS} hosts per minute idle (target: under one per host per second)`, value: Math.round(perMinute(spawned.forks)), unit: 'tasks', target: HOSTS * 60 },
              { measure: `${side}: programs run on the ${HOSTS} hosts per minute idle`, value: Math.round(perMinute(spawned.execs)), unit: 'execs' },
            );
          }
        } finally {
          await running.stop();
        }
      }
      for (const r of results) console.error(`  ${r.measure}: ${r.value.toFixed(2)} ${r.unit}`);
      return results;
    } finally {
      await lab.stop();
      for (const group of groups) group.remove();
      before.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
