/** Ports for tests: never a fixed one, which another test or anything else on the machine may hold. */
import { readFileSync } from 'node:fs';

/** Local ports of every TCP socket on this machine now, listening or connected, IPv4 and IPv6. */
function portsInUse(): Set<number> {
  const used = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) used.add(parseInt(local.split(':')[1]!, 16));
    }
  }
  return used;
}

/** Ports this process has handed out already, with their `+ 1`. */
const handedOut = new Set<number>();

/**
 * A port `p` such that `p` and `p + 1` (a second replica) are free now, were not handed out before
 * in this process, and are not among the kernel's ephemeral ports (so no outgoing connection takes
 * one meanwhile). Random, so that test files running side by side do not pick the same one.
 */
export function unusedPort(): number {
  const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const used = portsInUse();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (ephemeralStart - 10_002));
    if ([port, port + 1].some((p) => used.has(p) || handedOut.has(p))) continue;
    handedOut.add(port).add(port + 1);
    return port;
  }
  throw new Error(`no two free ports in a row between 10000 and ${ephemeralStart}`);
}
