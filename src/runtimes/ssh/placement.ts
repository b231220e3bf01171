/**
 * Where replicas of a unit run on an `ssh` target, and on which ports. Pure.
 * Replica r runs on host r mod n; it is the (r div n)-th replica on that host (its slot), so with
 * one replica per host every replica uses the declared ports as they are (what a load balancer
 * in front of the hosts expects), and a second replica on a host takes declared port + 1.
 */
import { createHash } from 'node:crypto';
import type { DesiredUnit, UnitKey } from '../../desired/types.js';

/** Index of the host that runs `replica` among `hostCount` hosts. */
export function hostOf(replica: number, hostCount: number): number {
  return replica % hostCount;
}

/** Replica indices that run on host `host`, ascending. */
export function replicasOn(host: number, replicas: number, hostCount: number): number[] {
  const placed: number[] = [];
  for (let r = host; r < replicas; r += hostCount) placed.push(r);
  return placed;
}

/** `items` in consecutive groups of `size` (the last may be shorter). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/** TCP ports in LISTEN state in `/proc/net/tcp` and `/proc/net/tcp6` text. */
export function listeningPorts(procNetTcp: string): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTcp.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] === '0A' && fields[1]?.includes(':')) ports.add(parseInt(fields[1].split(':')[1]!, 16));
  }
  return ports;
}

/** Range auto ports are drawn from on a host. */
export const AUTO_PORTS = { min: 20_000, max: 60_000 } as const;

/**
 * The ports of the replica in `slot` on its host: a declared number is a base (slot i gets base + i);
 * `auto` takes a random port in {@link AUTO_PORTS}, the next one up while it is in `taken`. Adds what it takes to `taken`.
 */
export function hostPorts(
  declared: Readonly<Record<string, number | 'auto'>>,
  slot: number,
  taken: Set<number>,
  random: () => number = Math.random,
): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const [name, value] of Object.entries(declared)) {
    const span = AUTO_PORTS.max - AUTO_PORTS.min;
    let port = value === 'auto' ? AUTO_PORTS.min + Math.floor(random() * span) : value + slot;
    while (value === 'auto' && taken.has(port)) port = AUTO_PORTS.min + ((port - AUTO_PORTS.min + 1) % span);
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

const shortHash = (value: string, length: number) => createHash('sha256').update(value).digest('hex').slice(0, length);

/** Directory name of a release on a host: its artifact digest, else a hash of its configuration. */
export function releaseKey(unit: DesiredUnit): string {
  return unit.release.artifactDigest?.replace(/^sha256:/, '') ?? `config-${shortHash(unit.configHash, 32)}`;
}

/** Directory name of a unit on a host, `<environment>.<service>`. */
export function unitDirName(key: UnitKey): string {
  return `${key.environment}.${key.service}`;
}

/** Directory name of one replica of one configuration: `r<replica>-<hash of configHash>`. */
export function instanceDirName(replica: number, configHash: string): string {
  return `r${replica}-${shortHash(configHash, 12)}`;
}
