/**
 * SSH test hosts: one OpenSSH server per network-namespace host, each with its own host key,
 * configuration and base directory, listening on the host's address port 22 and accepting one
 * generated client key for the deploy user {@link DEPLOY_USER}, never root. Missing programs fail
 * loudly with the package to install.
 *
 * Every host logs in as one system user, `slipway-deploy`, whose home holds empty shell start
 * files: this machine's root dotfiles run pyenv on every SSH command (about 0.5 s each; a stale
 * lock there once stalled every session for 60 s). One user serves every host and every run
 * because namespaces share the machine's user database and filesystem anyway; what keeps hosts
 * apart is their base directories, which the user owns. Each set of hosts names its own
 * `authorized_keys` file in its sshd configuration, so runs side by side never edit a shared file.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetwork, type NetHost, type TestNetwork } from './netns.js';

/** The user every test host logs in as. */
export const DEPLOY_USER = 'slipway-deploy';
/** Its home: only empty start files, so a login runs nothing before the command. */
export const DEPLOY_HOME = '/var/lib/slipway-deploy';
/** Files a shell reads when it starts (bash run by sshd reads `.bashrc`; login shells the others). */
export const START_FILES = ['.bashrc', '.profile', '.bash_profile', '.bash_login', '.bash_logout'] as const;

/** The deploy user's ids. */
export interface DeployUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** How to reach one SSH test host. */
export interface SshHost {
  readonly net: NetHost;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** {@link DEPLOY_USER}. */
  readonly user: string;
  /** `ssh-ed25519 AAAA…`: the host's public key. */
  readonly hostKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
  /** A directory of its own on the shared filesystem, owned by the deploy user, for the runtime's `baseDir`. */
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
  readonly user: DeployUser;
  /**
   * Creates directory `path` (with any missing parents, left as they are) owned by the deploy user,
   * for a base directory or web root of a test's own choosing; returns `path`. Its parents must
   * let others through (a `mkdtemp` directory does not: chmod it 0711).
   */
  userDir(path: string): string;
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
export async function waitForPort(address: string, port: number, timeoutMs = 30_000): Promise<void> {
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

function lookUpUser(name: string): DeployUser | undefined {
  const entry = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout?.trim();
  if (!entry) return undefined;
  const [, , uid, gid, , home] = entry.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home: home! };
}

/**
 * Creates {@link DEPLOY_USER} on first use (a system user with bash, no password but not locked,
 * as sshd without PAM refuses a locked account), then makes its home hold empty start files only.
 * Idempotent, and safe beside another run doing the same (`useradd` waits for the user database
 * lock; the one that loses finds the user made).
 */
export function ensureDeployUser(): DeployUser {
  if (!lookUpUser(DEPLOY_USER)) {
    const options = ['--system', '--user-group', '--no-create-home', '--home-dir', DEPLOY_HOME, '--shell', '/bin/bash', '--password', '*'];
    const made = spawnSync('useradd', [...options, DEPLOY_USER], { encoding: 'utf8' });
    if (made.error) throw new Error(`useradd not found: install passwd (${made.error.message})`);
    if (!lookUpUser(DEPLOY_USER)) throw new Error(`useradd ${DEPLOY_USER} failed: ${made.stderr}`);
  }
  const user = lookUpUser(DEPLOY_USER)!;
  if (user.home !== DEPLOY_HOME) {
    throw new Error(`${DEPLOY_USER}'s home is ${user.home}, not ${DEPLOY_HOME}: remove the user (userdel ${DEPLOY_USER})`);
  }
  mkdirSync(DEPLOY_HOME, { recursive: true, mode: 0o755 });
  chownSync(DEPLOY_HOME, user.uid, user.gid);
  // Owned by root: the deploy user cannot write to them (a test that did would slow every later login).
  for (const file of START_FILES) writeFileSync(join(DEPLOY_HOME, file), '', { mode: 0o644 });
  return user;
}

function sshdConfig(host: NetHost, dir: string, authorizedKeys: string): string {
  return [
    `ListenAddress ${host.address}:22`,
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'StrictModes no',
    `AllowUsers ${DEPLOY_USER}`,
    'PermitRootLogin no',
    'PermitUserRC no',
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
  const user = ensureDeployUser();
  const network = createNetwork(count);
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sshd-'));
  // The deploy user passes through to its base directories and authorized_keys, and lists nothing.
  chmodSync(dir, 0o711);
  const userDir = (path: string) => {
    mkdirSync(path, { recursive: true });
    chownSync(path, user.uid, user.gid);
    return path;
  };
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
    // sshd reads it as the user logging in; owned by root, that user cannot add a key to it.
    writeFileSync(authorizedKeys, `${client.publicKey}\n`, { mode: 0o644 });
    for (const net of network.hosts) {
      const hostDir = join(dir, net.name);
      mkdirSync(hostDir, { mode: 0o711 });
      const baseDir = userDir(join(hostDir, 'base'));
      const key = keygen(join(hostDir, 'host_key'));
      const config = join(hostDir, 'sshd_config');
      writeFileSync(config, sshdConfig(net, hostDir, authorizedKeys));
      const sshd = network.spawn(net, [SSHD, '-D', '-e', '-f', config], { stdio: 'ignore' });
      const { name, address } = net;
      hosts.push({ net, name, address, port: 22, user: user.name, hostKey: key.publicKey, fingerprint: key.fingerprint, baseDir, sshd });
    }
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, hosts.map((h) => `${h.address} ${h.hostKey}\n`).join(''));
    for (const host of hosts) {
      network.assertReachable(host.net);
      await waitForPort(host.address, host.port);
    }
    return { network, hosts, identityFile, knownHostsFile, dir, user, userDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
