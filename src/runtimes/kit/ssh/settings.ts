/**
 * How to reach a host over SSH, as a target's settings say it: the host (name, address, port,
 * pinned keys) and the login (user, identity file, known_hosts). Shared by `ssh` targets and by
 * `static` targets on a host. Paths are used as given: each runtime module resolves relative ones
 * against the project directory. Imports nothing of `inputs/schema.ts` (which imports this).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { HostAddress } from '../../../inputs/http-fields.js';

const Port = z.number().int().min(1).max(65535);

/** A host's label in instance ids (`dev.api.0@web-1`) and, by default, its HAProxy server name. */
export const HostName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a host label of letters, digits, "_", "." and "-"');

/** Absolute path of safe characters: it is written into shell scripts and systemd units. */
export const BaseDir = z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path of letters, digits, ".", "_", "-" and "/"');

/** A pinned host key: `SHA256:<base64>` (as `ssh-keygen -lf` prints it) or `<type> <base64>`. */
const HostKey = z
  .string()
  .regex(/^(SHA256:[A-Za-z0-9+/]{43}=?|[a-z0-9@.-]+ [A-Za-z0-9+/]+={0,3})$/, 'a host key "SHA256:…" or "ssh-ed25519 AAAA…"');

export const SshHost = z.strictObject({
  /** Stable name: in instance ids, messages and (by default) the HAProxy server name. */
  name: HostName,
  /** Host name or IP address to connect to; instances on the host answer there too. */
  address: HostAddress,
  /** SSH port (default: the target's `port`). */
  port: Port.optional(),
  /** Keys this host may present; with `knownHosts` either may vouch for it. */
  hostKeys: z.array(HostKey).min(1).optional(),
  /** This host's base directory, where it differs from the target's (hosts sharing one filesystem). */
  baseDir: BaseDir.optional(),
});
export type SshHost = z.infer<typeof SshHost>;

/** How to log in to hosts: shared by `ssh` targets and `static` targets on a host. */
export const loginFields = {
  user: z.string().min(1).default('root'),
  port: Port.default(22),
  /** Private key to log in with (OpenSSH or PEM format, no passphrase). */
  identityFile: z.string().min(1),
  /** A known_hosts file (plain or hashed host names, `[host]:port` forms). */
  knownHosts: z.string().min(1).optional(),
  connectTimeoutSeconds: z.number().positive().default(5),
};
export const SshLogin = z.strictObject(loginFields);
export type SshLogin = z.infer<typeof SshLogin>;

/** One host and how to log in to it: a `static` target's `ssh`. */
export const SshHostLogin = z
  .strictObject({ ...loginFields, host: SshHost })
  .refine((t) => t.knownHosts !== undefined || t.host.hostKeys, { message: 'pin the host key: give knownHosts, or hostKeys on the host' });
export type SshHostLogin = z.infer<typeof SshHostLogin>;

/** `login` with its identity and known_hosts files resolved against `dir`. */
export function loginFiles<T extends { identityFile: string; knownHosts?: string }>(login: T, dir: string): T {
  return { ...login, identityFile: resolve(dir, login.identityFile), ...(login.knownHosts && { knownHosts: resolve(dir, login.knownHosts) }) };
}
