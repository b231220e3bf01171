/**
 * One release onto 20 SSH hosts (sshd in network namespaces, see test/harness) by the user's path,
 * against the floor: a plain OpenSSH script doing the same steps with one connection per host.
 *
 * A project directory holds a `slipway.yaml` whose one environment runs a service with one replica
 * on each of 20 hosts of one `ssh` target, all hosts in one batch (the script does all at once too),
 * no load balancer (neither side drains). Each round changes the release's content (a 512 KiB
 * filler file) and times, in an order that rotates from round to round:
 *
 * - **deploy alone**: `slipway deploy web --env prod` from the shell, the built CLI (`dist/`, as an
 *   installed `slipway` runs), opening the workspace itself;
 * - **deploy through a server**: the same command while `slipway server` holds the workspace (the
 *   CLI goes through its control socket; the server's loops observe and reconcile meanwhile). The
 *   server is started before and stopped after, untimed, so the other two never compete with it;
 * - **OpenSSH**: `tar` of the release, then per host, all at once, one `ssh host '<script>' < archive`
 *   whose script extracts it, switches `current`, stops the old process, starts the new one and
 *   polls its health check every 50 ms (as Slipway's does), pruning old releases as Slipway does.
 *
 * After each, every host must answer HTTP with the new release (checked untimed). Reports medians
 * with min and max, and the ratios of the medians (target ≤ 1.3). With `SLIPWAY_BENCH_ANSIBLE=1`,
 * one `ansible-playbook` run (forks 20) of the same steps at the end, for context. Rounds:
 * `SLIPWAY_BENCH_ROUNDS` (default 5). Needs root, sshd, and `npm run build` done. It also reports the
 * CPU time each way cost the machine (a cpuacct cgroup around the run: unlike wall time, others'
 * load does not change it), the server's CPU while it idles before its deploy (its loops observing
 * the hosts), and the load average. With `SLIPWAY_BENCH_PROCESSES=1`, it also counts the processes
 * each way ran as the hosts' user, by command (kernel process accounting, `process-accounting.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { builtCli } from '../test/helpers/cli.js';
import { accountProcesses, countByCommand, type EndedProcess } from './process-accounting.js';
import { startSshHosts, type SshHosts } from '../test/harness/sshd.js';
import { SSH_APP, sshProjectFile } from './ssh-project.js';
import type { Benchmark, Result } from './types.js';

const HOSTS = 20;
const ROUNDS = Number(process.env.SLIPWAY_BENCH_ROUNDS ?? 5);
/** Bytes of filler in each release, so that the upload is not empty. */
const PAYLOAD_BYTES = 512 * 1024;
/** The service's port on every host: Slipway's, and the script's beside it. */
const PORT = { slipway: 8101, plain: 8102, ansible: 8103 } as const;
/** How long the server runs before the timed deploy: its loops' first passes are behind it. */
const SERVER_SETTLE_MS = 5_000;
const TARGET_RATIO = 1.3;
/** With `SLIPWAY_BENCH_TRACE=1`, the CLI and the server run with `SLIPWAY_TRACE=1` and their milestones are printed. */
const TRACE = process.env.SLIPWAY_BENCH_TRACE === '1' ? { SLIPWAY_TRACE: '1' } : {};
/** With `SLIPWAY_BENCH_PROCESSES=1`, each timed deploy runs under process accounting. */
const COUNT_PROCESSES = process.env.SLIPWAY_BENCH_PROCESSES === '1';

function printTrace(who: string, output: string): void {
  if (!TRACE.SLIPWAY_TRACE) return;
  for (const line of output.split('\n')) if (line.startsWith('slipway trace ')) console.error(`    ${who} ${line.slice('slipway trace '.length)}`);
}

interface Output {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; `stdinFile` is opened as its standard input. */
function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdinFile?: string } = {}): Promise<Output> {
  const stdin = options.stdinFile === undefined ? 'ignore' : openSync(options.stdinFile, 'r');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'], env: options.env ?? process.env });
    if (typeof stdin === 'number') closeSync(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `run`, throwing with the command's last output unless it exits 0. */
async function runOk(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdinFile?: string } = {}): Promise<void> {
  const { code, stdout, stderr } = await run(command, args, options);
  if (code !== 0) throw new Error(`${command} exited ${code}:\n${(stdout + stderr).slice(-2000)}`);
}

/** Gives the release new content: a filler file no earlier round had. */
function changeContent(appDir: string): void {
  writeFileSync(join(appDir, 'payload.bin'), randomBytes(PAYLOAD_BYTES));
}

/** The remote steps, as one sh script reading the archive on stdin: extract, switch, restart, health check, prune. */
function deployScript(base: string, version: string, port: number, archive = ''): string {
  const dir = `${base}/releases/${version}`;
  return [
    `set -e; mkdir -p ${dir} ${base}/run; tar -x -C ${dir}${archive ? ` -f ${archive}` : ''}`,
    `ln -sfn ${dir} ${base}/current.tmp && mv -T ${base}/current.tmp ${base}/current`,
    `if [ -f ${base}/run/pid ]; then kill $(cat ${base}/run/pid) 2>/dev/null || true; while [ -n "$(cat /proc/$(cat ${base}/run/pid)/cmdline 2>/dev/null)" ]; do sleep 0.05; done; fi`,
    `(cd ${base}/current && PORT=${port} SLIPWAY_RELEASE=${version} exec setsid nohup ${process.execPath} server.mjs) >> ${base}/run/output.log 2>&1 < /dev/null & echo $! > ${base}/run/pid`,
    `i=0; until curl -fs -o /dev/null http://127.0.0.1:${port}/healthz; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done`,
    `cd ${base}/releases && ls -1t | tail -n +5 | xargs -r rm -rf`,
  ].join('\n');
}

function sshOptions(lab: SshHosts): string[] {
  return ['-F', '/dev/null', '-i', lab.identityFile, '-o', `UserKnownHostsFile=${lab.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
}

/** The floor: `tar`, then one `ssh` per host, all at once, the archive piped into the remote script. */
async function plainSsh(lab: SshHosts, work: string, appDir: string, version: string): Promise<void> {
  const archive = join(work, `plain-${version}.tar`);
  await runOk('tar', ['-C', appDir, '-cf', archive, '.']);
  await Promise.all(
    lab.hosts.map((host) => {
      lab.network.assertReachable(host.net);
      return runOk('ssh', [...sshOptions(lab), `${host.user}@${host.address}`, deployScript(join(host.baseDir, 'plain'), version, PORT.plain)], { stdinFile: archive });
    }),
  );
  rmSync(archive);
}

/** The same steps as an Ansible playbook (upload, then the script) over an inventory of the hosts. */
async function ansible(lab: SshHosts, work: string, appDir: string, version: string): Promise<void> {
  const archive = join(work, `ansible-${version}.tar`);
  await runOk('tar', ['-C', appDir, '-cf', archive, '.']);
  const inventory = join(work, 'inventory.ini');
  writeFileSync(
    inventory,
    [
      '[hosts]',
      ...lab.hosts.map((h) => `${h.name} ansible_host=${h.address} base=${join(h.baseDir, 'ansible')}`),
      '[hosts:vars]',
      `ansible_user=${lab.user.name}`,
      `ansible_ssh_private_key_file=${lab.identityFile}`,
      `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsFile} -o StrictHostKeyChecking=yes'`,
      'ansible_python_interpreter=/usr/bin/python3',
      '',
    ].join('\n'),
  );
  const playbook = join(work, `deploy-${version}.yml`);
  const tasks = [
    { name: 'upload', copy: { src: archive, dest: `{{ base }}.${version}.tar` } },
    { name: 'extract, switch, restart, health check', shell: deployScript('{{ base }}', version, PORT.ansible, `{{ base }}.${version}.tar`) },
  ];
  writeFileSync(playbook, JSON.stringify([{ hosts: 'hosts', gather_facts: false, tasks }]));
  const home = join(work, 'ansible-home');
  mkdirSync(home, { recursive: true });
  const config = join(work, 'ansible.cfg');
  writeFileSync(config, `[defaults]\nforks = ${HOSTS}\n`);
  const env = { ...process.env, HOME: home, ANSIBLE_CONFIG: config, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(home, 'tmp') };
  await runOk('ansible-playbook', ['-i', inventory, '-f', String(HOSTS), playbook], { env });
}

/** `slipway deploy web --env prod --json`; returns the release version it deployed. */
async function slipwayDeploy(cli: readonly string[], project: string): Promise<string> {
  const [node, ...args] = cli;
  const result = await run(node!, [...args, '-p', project, 'deploy', 'web', '--env', 'prod', '--json'], { env: { ...process.env, SLIPWAY_ACTOR: 'bench', ...TRACE } });
  printTrace('cli', result.stderr);
  if (result.code !== 0) throw new Error(`slipway deploy exited ${result.code}:\n${result.stderr.slice(-3000)}\n${result.stdout.slice(-2000)}`);
  const outcome = JSON.parse(result.stdout) as { result: string; release: { version: string }; message: string };
  if (outcome.result !== 'deployed') throw new Error(`slipway deploy: ${outcome.result}: ${outcome.message}`);
  return outcome.release.version;
}

/** A running `slipway server` on the project; `stop()` sends SIGTERM and waits for its exit. */
interface Server {
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(cli: readonly string[], project: string): Promise<Server> {
  const [node, ...args] = cli;
  const child = spawn(node!, [...args, '-p', project, 'server', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLIPWAY_ACTOR: 'bench', ...TRACE } });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Slipway serves')) resolve();
    });
    void exited.then((code) => reject(new Error(`slipway server exited ${code}:\n${output.slice(-3000)}`)));
  });
  return {
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      printTrace('server', output);
    },
  };
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Throws unless every host answers on `port` with `version` (the test app answers "<release> <instance>"). */
async function assertServes(lab: SshHosts, port: number, version: string): Promise<void> {
  for (const host of lab.hosts) {
    lab.network.assertReachable(host.net);
    const body = await fetch(`http://${host.address}:${port}/`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
    if (body.split(' ')[0] !== version) throw new Error(`host ${host.name} answers ${JSON.stringify(body)} on port ${port}, not release ${version}`);
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

type Way = 'alone' | 'server' | 'plain';

const LABEL: Record<Way, string> = {
  alone: '`slipway deploy` from the shell',
  server: '`slipway deploy` through a running `slipway server`',
  plain: 'OpenSSH script, one `ssh … < archive` per host',
};

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;

const CPUACCT = '/sys/fs/cgroup/cpuacct';

/**
 * A cpuacct cgroup (cgroup v1, as on these machines) holding this process and everything it starts
 * from now on: sshd and the shells it runs, the CLI, the server, `ssh`, the services. Its CPU time
 * over a timed deploy is what that deploy cost the machine, whatever else runs there (others' load
 * stretches wall time, not this). Undefined where no such cgroup can be made.
 */
function cpuGroup(): { seconds(): number; remove(): void } | undefined {
  const dir = join(CPUACCT, `slipway-bench-${process.pid}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
  } catch {
    return undefined;
  }
  return {
    seconds: () => Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')) / 1e9,
    remove() {
      // Back to the parent with whatever of ours still runs there, then the group goes.
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(CPUACCT, 'cgroup.procs'), pid);
        } catch {
          // it exited meanwhile
        }
      }
      try {
        rmdirSync(dir);
      } catch {
        console.error(`left ${dir}: a process of the run still runs in it`);
      }
    },
  };
}

const benchmark: Benchmark = {
  name: 'ssh-fanout',
  description: `one release onto ${HOSTS} SSH hosts by \`slipway deploy\` (alone, and through a running server) vs one OpenSSH connection per host, alternating, ${ROUNDS} rounds`,
  async run(): Promise<Result[]> {
    const cli = builtCli();
    if (!cli) throw new Error('dist/ is missing or older than src/: run npm run build first');
    const cpu = cpuGroup();
    const lab = await startSshHosts(HOSTS);
    const work = mkdtempSync(join(tmpdir(), 'slipway-bench-ssh-'));
    let server: Server | undefined;
    try {
      const project = join(work, 'project');
      const appDir = join(project, 'app');
      cpSync(SSH_APP, appDir, { recursive: true });
      writeFileSync(join(project, 'slipway.yaml'), sshProjectFile(lab, { project: 'fanout', service: 'web', port: PORT.slipway, baseDir: (h) => join(h.baseDir, 'slipway'), batchSize: HOSTS }));
      const plainDir = join(work, 'plain-app');
      cpSync(SSH_APP, plainDir, { recursive: true });
      for (const host of lab.hosts) for (const way of ['slipway', 'plain', 'ansible']) lab.userDir(join(host.baseDir, way));

      /** Untimed first releases: every side starts from a host running an older release. */
      changeContent(appDir);
      await assertServes(lab, PORT.slipway, await slipwayDeploy(cli, project));
      changeContent(plainDir);
      await plainSsh(lab, work, plainDir, 'r0');
      await assertServes(lab, PORT.plain, 'r0');

      const times: Record<Way, number[]> = { alone: [], server: [], plain: [] };
      const cpuSpent: Record<Way, number[]> = { alone: [], server: [], plain: [] };
      const serverCpu: number[] = [];
      const hostProcesses: Record<Way, number[]> = { alone: [], server: [], plain: [] };
      const loads: string[] = [loadAverage()];
      const ways: Way[] = ['alone', 'server', 'plain'];
      for (let round = 1; round <= ROUNDS; round++) {
        const order = ways.map((_, i) => ways[(i + round - 1) % ways.length]!);
        for (const way of order) {
          if (way === 'server') {
            server = await startServer(cli, project);
            const before = cpuSeconds(server.process.pid!);
            await new Promise((r) => setTimeout(r, SERVER_SETTLE_MS));
            serverCpu.push(((cpuSeconds(server.process.pid!) - before) / SERVER_SETTLE_MS) * 60_000);
          }
          changeContent(way === 'plain' ? plainDir : appDir);
          const accounting = COUNT_PROCESSES ? accountProcesses(join(work, 'pacct')) : undefined;
          let ended: EndedProcess[] | undefined;
          const start = performance.now();
          const cpuBefore = cpu?.seconds() ?? 0;
          let version: string;
          try {
            version = way === 'plain' ? (await plainSsh(lab, work, plainDir, `r${round}`), `r${round}`) : await slipwayDeploy(cli, project);
          } finally {
            // Accounting is machine-wide: it ends here even when the deploy failed.
            ended = accounting?.stop();
          }
          const ms = performance.now() - start;
          times[way].push(ms);
          if (cpu) cpuSpent[way].push(cpu.seconds() - cpuBefore);
          if (ended) {
            const onHosts = ended.filter((p) => p.uid === lab.user.uid);
            hostProcesses[way].push(onHosts.length);
            console.error(`  round ${round}: ${way}: ${onHosts.length} processes ended on the hosts: ${countByCommand(onHosts)}`);
          }
          if (server) await server.stop();
          server = undefined;
          await assertServes(lab, way === 'plain' ? PORT.plain : PORT.slipway, version);
          console.error(`  round ${round}: ${way} ${ms.toFixed(0)} ms (load ${loadAverage()})`);
        }
        loads.push(loadAverage());
      }

      const stat = (way: Way) => ({ median: median(times[way]), min: Math.min(...times[way]), max: Math.max(...times[way]) });
      const floor = stat('plain');
      const results: Result[] = [];
      for (const way of ways) {
        const s = stat(way);
        const spread = `median of ${ROUNDS} (min ${Math.round(s.min)}, max ${Math.round(s.max)})`;
        results.push({ measure: `${LABEL[way]}: ${spread}`, value: Math.round(s.median), unit: 'ms', ...(way === 'plain' ? {} : { target: Math.round(floor.median * TARGET_RATIO) }) });
      }
      for (const way of ['alone', 'server'] as const) {
        const ratios = times[way].map((t, i) => t / times.plain[i]!);
        results.push({
          measure: `${LABEL[way]} ÷ OpenSSH, medians (per round: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
          value: stat(way).median / floor.median,
          unit: '×',
          target: TARGET_RATIO,
        });
      }
      if (cpu) {
        for (const way of ways) {
          const spent = cpuSpent[way];
          results.push({ measure: `${LABEL[way]}: CPU of every process of the run (client, sshd, shells, services), median (min ${Math.min(...spent).toFixed(1)}, max ${Math.max(...spent).toFixed(1)})`, value: median(spent), unit: 'CPU s' });
        }
        for (const way of ['alone', 'server'] as const) {
          results.push({ measure: `${LABEL[way]} ÷ OpenSSH, CPU medians`, value: median(cpuSpent[way]) / median(cpuSpent.plain), unit: '×' });
        }
      }
      if (COUNT_PROCESSES) {
        for (const way of ways) {
          const counts = hostProcesses[way];
          results.push({ measure: `${LABEL[way]}: processes ended on the hosts, median (min ${Math.min(...counts)}, max ${Math.max(...counts)})`, value: median(counts), unit: '' });
        }
      }
      results.push({ measure: `server CPU while it idled ${SERVER_SETTLE_MS / 1000} s before each deploy, median (s per minute)`, value: median(serverCpu), unit: 'CPU s/min' });
      results.push({ measure: `load average (1 min) at the start and after each round: ${loads.join(', ')}`, value: Number(loads.at(-1)), unit: '' });
      if (process.env.SLIPWAY_BENCH_ANSIBLE === '1') {
        changeContent(plainDir);
        await ansible(lab, work, plainDir, 'a0');
        changeContent(plainDir);
        const start = performance.now();
        await ansible(lab, work, plainDir, 'a1');
        results.push({ measure: `ansible-playbook, forks ${HOSTS}, once after the rounds`, value: Math.round(performance.now() - start), unit: 'ms' });
        await assertServes(lab, PORT.ansible, 'a1');
      }
      return results;
    } finally {
      await server?.stop();
      await lab.stop();
      cpu?.remove();
      rmSync(work, { recursive: true, force: true });
    }
  },
};

export default benchmark;
