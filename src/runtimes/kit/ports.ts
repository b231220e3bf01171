/** Port assignment for replicas: declared ports are bases (replica i gets base + i), `auto` is allocated. */
import { createServer } from 'node:net';

/**
 * This machine's address as the control plane reaches it: where ports are allocated and probed,
 * and the `host` of instances that run here (processes, containers published on it).
 */
export const LOOPBACK = '127.0.0.1';

/** Allocates a port that is free right now on {@link LOOPBACK} (binds port 0, reads it, closes). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The ports of replica `replica`: a declared number is a base (replica i gets base + i); `auto`
 * takes the port from `keep` when given (a restart keeps its port), else a freshly allocated one.
 */
export async function assignPorts(
  declared: Readonly<Record<string, number | 'auto'>>,
  replica: number,
  allocate: () => Promise<number> = freePort,
  keep: Readonly<Record<string, number>> = {},
): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const [name, value] of Object.entries(declared)) {
    ports[name] = value === 'auto' ? (keep[name] ?? (await allocate())) : value + replica;
  }
  return ports;
}

/** True when a fixed (declared) port of the new workload is one the old instance holds: they cannot run side by side. */
export function portsCollide(declared: Readonly<Record<string, number | 'auto'>>, replica: number, held: Readonly<Record<string, number>>): boolean {
  const inUse = new Set(Object.values(held));
  return Object.values(declared).some((value) => value !== 'auto' && inUse.has(value + replica));
}

/**
 * The port a probe targets: a port name, or a number. A number equal to a declared base port
 * means that port of this replica (so `port: 8080` probes 8081 on replica 1).
 */
export function probePort(
  port: string | number,
  declared: Readonly<Record<string, number | 'auto'>>,
  ports: Readonly<Record<string, number>>,
): number | undefined {
  if (typeof port === 'string') return ports[port];
  const name = Object.keys(declared).find((key) => declared[key] === port);
  return name === undefined ? port : ports[name];
}
