/**
 * SSH test hosts: one OpenSSH server per network-namespace host, each with its own host key,
 * configuration and base directory, listening on the host's address port 22 and accepting one
 * generated client key as root. Missing programs fail loudly with the package to install.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetwork, type NetHost, type TestNetwork } from './netns.js';

/** How to reach one SSH test host. */
export interface SshHost {
  readonly net: NetHost;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** `ssh-ed25519 AAAA…`: the host's public key. */
  readonly hostKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
  /** A directory of its own on the shared filesystem, for the runtime's `baseDir`. */
  readonly baseDir: string;
  /** The sshd process (its pid is sshd's own). */
  readonly sshd: ChildProcess;
}

export interface SshHosts {
  readonly network: TestNetwork;
  readonly hosts: readonly SshHost[];
  /** Private key accepted by every host. */
  readonly identityFile: string;
  /** A known_hosts file naming every host's key by address. */
  readonly knownHostsFile: string;
  /** Temporary directory holding keys, configurations and base directories. */
  readonly dir: string;
  /** Stops every sshd by pid, tears the network down and deletes `dir`. Idempotent; never throws. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${command} not found: install openssh-server and openssh-client (${result.error.message})`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function keygen(file: string): { publicKey: string; fingerprint: string } {
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file]);
  const publicKey = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const fingerprint = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]).split(' ')[1]!;
  return { publicKey, fingerprint };
}

/** Resolves once `address:port` accepts a TCP connection; rejects after `timeoutMs`. */
export async function waitForPort(address: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port, timeout: 500 });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${address}:${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sshdConfig(host: NetHost, dir: string, authorizedKeys: string): string {
  return [
    `ListenAddress ${host.address}:22`,
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'MaxStartups 200',
    'MaxSessions 100',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/** Creates `count` namespace hosts, each with a running sshd. Cleans up after itself if starting fails. */
export async function startSshHosts(count: number): Promise<SshHosts> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install openssh-server`);
  const network = createNetwork(count);
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sshd-'));
  const hosts: SshHost[] = [];
  const stop = async () => {
    for (const host of hosts.splice(0)) {
      if (host.sshd.exitCode === null && host.sshd.pid) host.sshd.kill('SIGKILL');
    }
    await network.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const identityFile = join(dir, 'id_ed25519');
    const client = keygen(identityFile);
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, `${client.publicKey}\n`, { mode: 0o600 });
    for (const net of network.hosts) {
      const hostDir = join(dir, net.name);
      mkdirSync(join(hostDir, 'base'), { recursive: true });
      const key = keygen(join(hostDir, 'host_key'));
      const config = join(hostDir, 'sshd_config');
      writeFileSync(config, sshdConfig(net, hostDir, authorizedKeys));
      const sshd = network.spawn(net, [SSHD, '-D', '-e', '-f', config], { stdio: 'ignore' });
      hosts.push({ net, name: net.name, address: net.address, port: 22, user: 'root', hostKey: key.publicKey, fingerprint: key.fingerprint, baseDir: join(hostDir, 'base'), sshd });
    }
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, hosts.map((h) => `${h.address} ${h.hostKey}\n`).join(''));
    for (const host of hosts) {
      network.assertReachable(host.net);
      await waitForPort(host.address, host.port);
    }
    return { network, hosts, identityFile, knownHostsFile, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
