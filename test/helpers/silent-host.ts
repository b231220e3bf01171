/**
 * An "SSH host" on loopback that never answers: it counts the connections made to it and holds
 * them, or hangs up at once while `hangUp` says so. For tests of what dials a host, and when.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';

export interface SilentHost {
  readonly port: number;
  /** Connections made so far. */
  readonly connections: number;
  /** Connections held open now. */
  readonly held: number;
  /** While true, each new connection is closed at once (the host is seen out of reach quickly). */
  hangUp: boolean;
  /** Closes every held connection, so that a login waiting on one fails at once. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startSilentHost(): Promise<SilentHost> {
  const held = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    if (host.hangUp) return void socket.destroy();
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host: SilentHost = {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    get held() {
      return held.size;
    },
    hangUp: false,
    dropAll: () => held.forEach((socket) => socket.destroy()),
    close: async () => {
      host.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return host;
}

/** Writes a fresh ed25519 key without a passphrase to `dir/key`, as a target's `identityFile`. */
export function writeLoginKey(dir: string): void {
  const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')], { encoding: 'utf8' });
  if (keygen.status !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
}

/** An `ssh` target's settings (YAML, indented as under `targets:`) with one host at 127.0.0.1:`port` whose host key never matches. */
export function silentHostTarget(name: string, port: number, extra = ''): string {
  return `  ${name}:
    runtime: ssh
    hosts: [{ name: ${name}, address: 127.0.0.1, port: ${port}, hostKeys: ["SHA256:${'A'.repeat(43)}"] }]
    identityFile: ./key
    connectTimeoutSeconds: 600
${extra}`;
}
