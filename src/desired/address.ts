/** Where an observed instance answers, as a URL for people, checks and provisioners. Pure. */
import type { ObservedInstance } from './types.js';

/** `http://<host>:<port>` (`http://<host>` without a port), an IPv6 host in brackets. */
export function httpUrl(host: string, port?: number): string {
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined ? `http://${name}` : `http://${name}:${port}`;
}

/**
 * Where `instance` answers: with `port`, `http://<host>:<port>`; without, the URL it serves if its
 * runtime gives one, else its first port on its host, else its host on port 80 (`http://<host>`).
 */
export function instanceUrl(instance: Pick<ObservedInstance, 'host' | 'ports' | 'url'>, port?: number): string {
  if (port !== undefined) return httpUrl(instance.host, port);
  return instance.url ?? httpUrl(instance.host, Object.values(instance.ports)[0]);
}
