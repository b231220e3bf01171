/**
 * Test hosts in network namespaces: a bridge in the root namespace and one namespace per host,
 * joined by veth pairs, all inside 10.213.0.0/24 and nowhere else. Namespaces share the machine's
 * filesystem and process table: only the network is private, so give each host its own directories.
 *
 * Parallel runs must not share a subnet (two bridges with one route would send packets to the wrong
 * one), so each network takes a free /27 slot of 10.213.0.0/24, claimed with a lock file that names
 * the claiming pid: slot s has the gateway at 10.213.0.(32s + 1) and host i at 10.213.0.(32s + 10 + i),
 * which leaves room for 21 hosts. Slot 0 is 10.213.0.1 and 10.213.0.10, 10.213.0.11, …
 * Namespaces get no default route: a host can reach its /27 and nothing else.
 * Needs root and `ip` (iproute2); fails loudly without them.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { acquireFileLock, LockedError } from '../../src/lease/file-lock.js';

/** One host: a namespace with one address on the test bridge. */
export interface NetHost {
  /** `h0`, `h1`, … */
  readonly name: string;
  readonly index: number;
  readonly namespace: string;
  readonly address: string;
  /** The root-namespace end of the host's veth pair: down means the host is cut off. */
  readonly link: string;
}

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A network of test hosts. Every method is synchronous except `teardown` and `exec`. */
export interface TestNetwork {
  readonly bridge: string;
  /** The root namespace's address on the bridge. */
  readonly gateway: string;
  readonly hosts: readonly NetHost[];
  /**
   * Throws unless the bridge carries the gateway address, the host's link is up and its namespace
   * holds its address. Call before sending anything to a host.
   */
  assertReachable(host: NetHost): void;
  /** Cuts the host off (its veth goes down). Idempotent. */
  linkDown(host: NetHost): void;
  /** Brings a cut-off host back. Idempotent. */
  linkUp(host: NetHost): void;
  /** Runs `command` inside the host's namespace and waits for it. */
  exec(host: NetHost, command: readonly string[]): Promise<ExecResult>;
  /** Starts `command` inside the host's namespace; its pid is the command's own. */
  spawn(host: NetHost, command: readonly string[], options?: SpawnOptions): ChildProcess;
  /**
   * Kills (by pid) every process left in the namespaces, deletes them and the bridge, releases the
   * slot. Idempotent; never throws.
   */
  teardown(): Promise<void>;
}

const SUBNET = '10.213.0';
const SLOT_SIZE = 32;
const SLOTS = 256 / SLOT_SIZE;
/** Highest host count a slot holds: addresses .10 … .30 of the slot. */
export const MAX_HOSTS = SLOT_SIZE - 11;
const LOCK_DIR = '/run/slipway-netns';
let created = 0;

/** Runs `ip` with `args`; throws with its stderr on failure. */
function ip(...args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`ip not found (install iproute2): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Claims a /27 slot whose pid lock is free (or left by a dead process) and whose addresses no
 * interface uses. A bridge of ours (`slw…`) on a slot whose lock was free was left by a run that
 * was killed before it could clean up (its lock proves no live process has the slot): it is
 * deleted and the slot is taken. Any other interface on the slot's addresses makes it unusable.
 * The host namespaces killed runs left are deleted first, whether or not their bridge is still there.
 */
function claimSlot(): { slot: number; release: () => void } {
  mkdirSync(LOCK_DIR, { recursive: true });
  deleteStaleNamespaces();
  const inUse = ip('-o', '-4', 'addr', 'show');
  for (let slot = 0; slot < SLOTS; slot++) {
    let release: () => void;
    try {
      release = acquireFileLock(`${LOCK_DIR}/slot-${slot}`);
    } catch (error) {
      if (error instanceof LockedError) continue;
      throw error;
    }
    const holder = inUse.split('\n').find((line) => line.includes(` inet ${SUBNET}.${slot * SLOT_SIZE + 1}/`));
    const stale = holder?.match(/^\d+: (slw[0-9a-z]+)\s/)?.[1];
    if (stale) spawnSync('ip', ['link', 'del', stale]);
    if (!holder || stale) return { slot, release };
    release();
  }
  throw new Error(`no free slot in ${SUBNET}.0/24 (locks in ${LOCK_DIR})`);
}

/** Deletes the host namespaces (`slw-<pid>-…`) of processes that are gone, where nothing runs any more. */
function deleteStaleNamespaces(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const [namespace = ''] = line.split(' ');
    const owner = Number(namespace.match(/^slw-(\d+)-/)?.[1]);
    if (!owner || alive(owner) || ip('netns', 'pids', namespace).trim()) continue;
    spawnSync('ip', ['netns', 'del', namespace]);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates a bridge and `count` host namespaces. Cleans up what it made if any step fails. */
export function createNetwork(count: number): TestNetwork {
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root: run the tests as root');
  if (count < 1 || count > MAX_HOSTS) throw new Error(`between 1 and ${MAX_HOSTS} hosts per network, not ${count}`);
  const { slot, release } = claimSlot();
  const tag = `${process.pid.toString(36)}${(created++).toString(36)}`;
  const bridge = `slw${tag}`;
  const base = slot * SLOT_SIZE;
  const gateway = `${SUBNET}.${base + 1}`;
  const hosts: NetHost[] = Array.from({ length: count }, (_, index) => ({
    name: `h${index}`,
    index,
    namespace: `slw-${process.pid}-${created - 1}-h${index}`,
    address: `${SUBNET}.${base + 10 + index}`,
    link: `slw${tag}v${index}`,
  }));
  const made: { bridge: boolean; namespaces: NetHost[] } = { bridge: false, namespaces: [] };

  const network: TestNetwork = {
    bridge,
    gateway,
    hosts,
    assertReachable(host) {
      if (!hosts.includes(host)) throw new Error(`${host.name} is not a host of network ${bridge}`);
      const bridgeAddr = ip('-o', '-4', 'addr', 'show', 'dev', bridge);
      if (ip('-o', 'link', 'show', host.link).includes('state DOWN')) throw new Error(`${host.name}'s link ${host.link} is down`);
      if (!bridgeAddr.includes(` inet ${gateway}/27 `)) throw new Error(`bridge ${bridge} does not carry ${gateway}/27`);
      const inside = ip('-n', host.namespace, '-o', '-4', 'addr', 'show');
      if (!inside.includes(` inet ${host.address}/27 `)) throw new Error(`namespace ${host.namespace} does not carry ${host.address}`);
    },
    linkDown: (host) => void ip('link', 'set', host.link, 'down'),
    linkUp: (host) => void ip('link', 'set', host.link, 'up'),
    exec(host, command) {
      return new Promise((resolve, reject) => {
        const child = network.spawn(host, command, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('error', reject);
        child.once('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
      });
    },
    spawn: (host, command, options = {}) => spawn('ip', ['netns', 'exec', host.namespace, ...command], options),
    async teardown() {
      for (const host of made.namespaces) {
        const pids = spawnSync('ip', ['netns', 'pids', host.namespace], { encoding: 'utf8' }).stdout ?? '';
        for (const pid of pids.split('\n').map(Number).filter((p) => p > 0)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      for (const host of made.namespaces.splice(0)) spawnSync('ip', ['netns', 'del', host.namespace]);
      if (made.bridge) spawnSync('ip', ['link', 'del', bridge]);
      made.bridge = false;
      release();
    },
  };

  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    made.bridge = true;
    ip('addr', 'add', `${gateway}/27`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const host of hosts) {
      ip('netns', 'add', host.namespace);
      made.namespaces.push(host);
      ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace);
      ip('link', 'set', host.link, 'master', bridge);
      ip('link', 'set', host.link, 'up');
      ip('-n', host.namespace, 'addr', 'add', `${host.address}/27`, 'dev', 'eth0');
      ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    void network.teardown();
    throw error;
  }
  return network;
}
