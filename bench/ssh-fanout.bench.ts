/**
 * One release onto 20 SSH hosts (sshd in network namespaces, see test/harness): upload, switch
 * `current`, restart, health check — by the ssh runtime, by plain parallel OpenSSH (`scp` + `ssh`
 * per host) and by an `ansible-playbook` (forks 20) doing the same steps. Each deploys release 1
 * untimed, then release 2 timed, into base directories of its own, and must then have every host
 * answering with release 2. All three log in as the hosts' deploy user. Needs root, sshd, ansible-core.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { contractUnit } from '../src/runtimes/adapter-contract.js';
import { ephemeralSealer } from '../src/secrets/index.js';
import { openSshRuntime } from '../src/runtimes/ssh/ssh-runtime.js';
import { SshTarget } from '../src/runtimes/ssh/settings.js';
import { startSshHosts, type SshHosts } from '../test/harness/sshd.js';
import type { Benchmark, Result } from './types.js';

const HOSTS = 20;
const APP = fileURLToPath(new URL('../src/runtimes/ssh/testdata/app', import.meta.url));
/** Bytes of filler in each release, so that the upload is not empty. */
const PAYLOAD_BYTES = 512 * 1024;

/** A release directory: the test service plus a filler file unique to the version. */
function release(dir: string, version: string): string {
  const path = join(dir, `release-${version}`);
  cpSync(APP, path, { recursive: true });
  writeFileSync(join(path, 'payload.bin'), randomBytes(PAYLOAD_BYTES));
  return path;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}:\n${output.slice(-2000)}`))));
  });
}

/** The remote steps after the upload, as one sh script: extract, switch, restart, health check. */
function deployScript(base: string, version: string, port: number, archive: string): string {
  const dir = `${base}/releases/${version}`;
  return [
    `set -e; mkdir -p ${dir} ${base}/run; tar -x -C ${dir} -f ${archive}`,
    `ln -sfn ${dir} ${base}/current.tmp && mv -T ${base}/current.tmp ${base}/current`,
    `if [ -f ${base}/run/pid ]; then kill $(cat ${base}/run/pid) 2>/dev/null || true; while [ -n "$(cat /proc/$(cat ${base}/run/pid)/cmdline 2>/dev/null)" ]; do sleep 0.05; done; fi`,
    `(cd ${base}/current && PORT=${port} SLIPWAY_RELEASE=${version} exec setsid nohup ${process.execPath} server.mjs) >> ${base}/run/output.log 2>&1 < /dev/null & echo $! > ${base}/run/pid`,
    `i=0; until curl -fs -o /dev/null http://127.0.0.1:${port}/healthz; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done`,
  ].join('\n');
}

function sshOptions(lab: SshHosts): string[] {
  return ['-F', '/dev/null', '-i', lab.identityFile, '-o', `UserKnownHostsFile=${lab.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
}

/** Plain parallel OpenSSH: per host, `scp` the archive, then one `ssh` running the steps. */
async function plainSsh(lab: SshHosts, work: string, dir: string, version: string, port: number): Promise<void> {
  const archive = join(work, `plain-${version}.tar`);
  await run('tar', ['-C', dir, '-cf', archive, '.']);
  await Promise.all(
    lab.hosts.map(async (host) => {
      const base = join(host.baseDir, 'plain');
      lab.network.assertReachable(host.net);
      await run('scp', [...sshOptions(lab), '-q', archive, `${host.user}@${host.address}:${base}.${version}.tar`]);
      await run('ssh', [...sshOptions(lab), `${host.user}@${host.address}`, deployScript(base, version, port, `${base}.${version}.tar`)]);
    }),
  );
}

/** The same steps as an Ansible playbook over an inventory of the hosts. */
async function ansible(lab: SshHosts, work: string, dir: string, version: string, port: number): Promise<void> {
  const archive = join(work, `ansible-${version}.tar`);
  await run('tar', ['-C', dir, '-cf', archive, '.']);
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
  writeFileSync(
    playbook,
    JSON.stringify([
      {
        hosts: 'hosts',
        gather_facts: false,
        tasks: [
          { name: 'upload', copy: { src: archive, dest: `{{ base }}.${version}.tar` } },
          { name: 'extract, switch, restart, health check', shell: deployScript('{{ base }}', version, port, `{{ base }}.${version}.tar`) },
        ],
      },
    ]),
  );
  const home = join(work, 'ansible-home');
  mkdirSync(home, { recursive: true });
  const config = join(work, 'ansible.cfg');
  writeFileSync(config, '[defaults]\nforks = 20\n');
  const env = { ...process.env, HOME: home, ANSIBLE_CONFIG: config, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(home, 'tmp') };
  await run('ansible-playbook', ['-i', inventory, '-f', String(HOSTS), playbook], env);
}

/** The ssh runtime, all hosts in one batch (no load balancer: the others do not drain either). */
async function slipway(lab: SshHosts, work: string, dir: string, version: string, port: number): Promise<void> {
  const settings = SshTarget.parse({
    runtime: 'ssh',
    hosts: lab.hosts.map((h) => ({ name: h.name, address: h.address, baseDir: join(h.baseDir, 'slipway') })),
    user: lab.user.name,
    identityFile: lab.identityFile,
    knownHosts: lab.knownHostsFile,
    batchSize: HOSTS,
  });
  const runtime = await openSshRuntime(settings, { target: 'bench', stateDir: join(work, 'slipway-state'), sealer: ephemeralSealer() });
  try {
    const probe = { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };
    await runtime.apply(contractUnit('bench', () => ({ command: process.execPath, args: ['server.mjs'], workingDir: dir, env: {}, ports: { http: port }, readinessProbe: probe }), { replicas: HOSTS, version }));
  } finally {
    await runtime.close();
  }
}

const WAYS = { slipway, plainSsh, ansible } as const;

/** Throws unless every host answers on `port` with `version` (the test app answers "<release> <instance>"). */
async function assertServes(lab: SshHosts, port: number, version: string): Promise<void> {
  for (const host of lab.hosts) {
    lab.network.assertReachable(host.net);
    const body = await fetch(`http://${host.address}:${port}/`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
    if (body.split(' ')[0] !== version) throw new Error(`host ${host.name} answers ${JSON.stringify(body)} on port ${port}, not release ${version}`);
  }
}

const benchmark: Benchmark = {
  name: 'ssh-fanout',
  description: `one release onto ${HOSTS} SSH hosts in network namespaces: ssh runtime vs parallel OpenSSH vs ansible-playbook`,
  async run(): Promise<Result[]> {
    const lab = await startSshHosts(HOSTS);
    const work = mkdtempSync(join(tmpdir(), 'slipway-bench-ssh-'));
    try {
      const releases = { '1': release(work, '1'), '2': release(work, '2') };
      for (const host of lab.hosts) for (const way of Object.keys(WAYS)) lab.userDir(join(host.baseDir, way));
      const times: Record<string, number> = {};
      let port = 8100;
      for (const [name, deploy] of Object.entries(WAYS)) {
        port++;
        await deploy(lab, work, releases['1'], '1', port);
        const start = performance.now();
        await deploy(lab, work, releases['2'], '2', port);
        times[name] = performance.now() - start;
        await assertServes(lab, port, '2');
        console.error(`  ${name}: ${times[name].toFixed(0)} ms`);
      }
      const { slipway: ours, plainSsh: plain, ansible: playbook } = times as Record<keyof typeof WAYS, number>;
      return [
        { measure: `ssh runtime: release 2 onto ${HOSTS} hosts`, value: ours, unit: 'ms', target: plain * 1.5 },
        { measure: `plain parallel OpenSSH (scp + ssh per host)`, value: plain, unit: 'ms' },
        { measure: `ansible-playbook, forks ${HOSTS}`, value: playbook, unit: 'ms' },
        { measure: 'ssh runtime ÷ plain OpenSSH (target ≤ 1.5)', value: ours / plain, unit: '×', target: 1.5 },
        { measure: 'ssh runtime ÷ Ansible (target ≤ 0.2, i.e. ≥ 5× faster)', value: ours / playbook, unit: '×', target: 0.2 },
      ];
    } finally {
      await lab.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};

export default benchmark;
