/**
 * The settings of an `ssh` target in the project file: which hosts, how to log in (`kit/ssh/settings.ts`),
 * where releases live on them, and how updates roll behind HAProxy.
 */
import { z } from 'zod';
import { BaseDir, HostName, loginFields, SshHost } from '../kit/ssh/settings.js';

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
