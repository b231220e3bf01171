/**
 * The settings of an `ssh` target in the project file: which hosts, how to log in, how their host
 * keys are pinned, where releases live on them, and how updates roll behind HAProxy.
 * Paths (identity file, known_hosts, HAProxy socket) are used as given: the loader resolves
 * relative ones against the project file. Imports nothing of `inputs/` (which imports this).
 */
import { z } from 'zod';

const Port = z.number().int().min(1).max(65535);

/** A host's label in instance ids (`dev.api.0@web-1`) and, by default, its HAProxy server name. */
const HostName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a host label of letters, digits, "_", "." and "-"');

/** Absolute path of safe characters: it is written into shell scripts and systemd units. */
const BaseDir = z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path of letters, digits, ".", "_", "-" and "/"');

/** A pinned host key: `SHA256:<base64>` (as `ssh-keygen -lf` prints it) or `<type> <base64>`. */
const HostKey = z
  .string()
  .regex(/^(SHA256:[A-Za-z0-9+/]{43}=?|[a-z0-9@.-]+ [A-Za-z0-9+/]+={0,3})$/, 'a host key "SHA256:…" or "ssh-ed25519 AAAA…"');

export const SshHost = z.strictObject({
  /** Stable name: in instance ids, messages and (by default) the HAProxy server name. */
  name: HostName,
  /** Host name or IP address to connect to. */
  address: z.string().min(1),
  /** SSH port (default: the target's `port`). */
  port: Port.optional(),
  /** Keys this host may present; with `knownHosts` either may vouch for it. */
  hostKeys: z.array(HostKey).min(1).optional(),
  /** This host's base directory, where it differs from the target's (hosts sharing one filesystem). */
  baseDir: BaseDir.optional(),
});
export type SshHost = z.infer<typeof SshHost>;

/**
 * HAProxy's identifier rule for backend and server names: letters, digits, "-", "_", "." and ":"
 * (at most 128 here). Names are written into commands on HAProxy's admin socket, where a space,
 * ";" or line break would start another command.
 */
const HAPROXY_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** True for a name that follows HAProxy's identifier rule. */
export function isHaproxyName(name: string): boolean {
  return HAPROXY_NAME.test(name);
}

const HaproxyName = z.string().regex(HAPROXY_NAME, 'an HAProxy name of letters, digits, "-", "_", "." and ":"');

export const SshHaproxy = z.strictObject({
  /** HAProxy's runtime API socket (`stats socket <path> level admin`) on the orchestrator's machine. */
  socket: z.string().min(1),
  backend: HaproxyName,
  /** Host name → HAProxy server name, where they differ. */
  servers: z.record(HostName, HaproxyName).default({}),
  /** Longest wait for a drained host's sessions to end. */
  drainTimeoutSeconds: z.number().positive().default(30),
});
export type SshHaproxy = z.infer<typeof SshHaproxy>;

/** How to log in to hosts: shared by `ssh` targets and `static` targets on a host. */
const loginFields = {
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

/** Linux hosts over SSH; releases in content-addressed directories, rolled out in batches. */
export const SshTarget = z
  .strictObject({
    runtime: z.literal('ssh'),
    hosts: z.array(SshHost).min(1),
    ...loginFields,
    /** Absolute directory on every host holding `releases/` and `units/`. */
    baseDir: BaseDir.default('/var/lib/slipway'),
    /** Release directories kept per host beyond the ones in use. */
    keepReleases: z.number().int().min(0).default(3),
    /** Hosts updated at the same time (the rest keep serving). */
    batchSize: z.number().int().positive().default(1),
    /** Longest wait for a replica to become ready. */
    readyTimeoutSeconds: z.number().positive().default(30),
    haproxy: SshHaproxy.optional(),
  })
  .refine((t) => t.knownHosts !== undefined || t.hosts.every((h) => h.hostKeys), {
    message: 'pin every host key: give knownHosts, or hostKeys on every host',
  })
  .refine((t) => new Set(t.hosts.map((h) => h.name)).size === t.hosts.length, { message: 'host names must be unique' });
export type SshTarget = z.infer<typeof SshTarget>;
