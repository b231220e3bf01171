/** From a login's settings to the endpoints `SshPool` connects to: key files read, host keys pinned. */
import { readFile } from 'node:fs/promises';
import { errorMessage, RuntimeError } from '../../../errors.js';
import type { SshEndpoint } from './connection.js';
import { trustedKeys } from './host-keys.js';
import type { SshHost, SshLogin } from './settings.js';

/** A login's key files, read. */
export interface LoginKeys {
  readonly privateKey: Buffer;
  /** The known_hosts file's content; empty when the login names none. */
  readonly knownHosts: string;
}

/** Reads the identity file and the known_hosts file; a `RuntimeError` naming the target and file when one cannot be read. */
export async function readLoginKeys(login: SshLogin, target: string, read: (path: string) => Promise<Buffer> = (path) => readFile(path)): Promise<LoginKeys> {
  const load = async (what: string, path: string) => {
    try {
      return await read(path);
    } catch (error) {
      throw new RuntimeError(`ssh target ${target}: cannot read ${what} ${path}: ${errorMessage(error)}`);
    }
  };
  const privateKey = await load('identity file', login.identityFile);
  const knownHosts = login.knownHosts ? (await load('known_hosts file', login.knownHosts)).toString('utf8') : '';
  return { privateKey, knownHosts };
}

/** Where and how to log in to `host`. */
export function endpointOf(login: SshLogin, host: SshHost, keys: LoginKeys): SshEndpoint {
  const port = host.port ?? login.port;
  return {
    name: host.name,
    address: host.address,
    port,
    user: login.user,
    privateKey: keys.privateKey,
    trusted: trustedKeys(host.address, port, keys.knownHosts, host.hostKeys),
    connectTimeoutMs: login.connectTimeoutSeconds * 1000,
  };
}
