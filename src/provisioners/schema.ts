/**
 * Provisioner definitions, as the platform layer writes them (its `provisioners` list): which
 * resource requests they serve (`type`, and optionally `class` and `id`) and how. One zod schema
 * per built-in provisioner, joined as a union discriminated by `provisioner`.
 */
import { z } from 'zod';

/** Which requests a provisioner serves: `class` and `id`, when absent, match any. */
const matcher = {
  type: z.string().min(1),
  class: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
};

/** Another workload's address in the same environment. */
export const ServiceProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('service'),
  /** Scheme of the `url` output. */
  scheme: z.string().min(1).default('http'),
});

/** A database and role on the environment's PostgreSQL server. */
export const PostgresProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('postgres'),
  /** A superuser (or CREATEROLE + CREATEDB) connection URL; write `secret:<name>` to keep its password out of the file. */
  adminUrl: z.string().min(1),
  /** Host the services reach the server at. Default: the admin URL's host. */
  host: z.string().min(1).optional(),
  /** Port the services reach the server at. Default: the admin URL's port, else 5432. */
  port: z.number().int().min(1).max(65535).optional(),
});

/** The port of another workload in the same environment, as score-compose's `service-port` gives it. */
export const ServicePortProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('service-port'),
});

/** A login of its own, and a key space of its own, on the environment's Redis server. */
export const RedisProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('redis'),
  /**
   * `redis://[user]:password@host:port` (or `rediss://`) of a user allowed `ACL` and `CONFIG`; write
   * `secret:<name>` to keep its password out of the file.
   */
  adminUrl: z.string().min(1),
  /** Host the services reach the server at. Default: the admin URL's host. */
  host: z.string().min(1).optional(),
  /** Port the services reach the server at. Default: the admin URL's port, else 6379. */
  port: z.number().int().min(1).max(65535).optional(),
  /**
   * `own-prefix`: the resource's user reaches only keys and channels under its `prefix` output;
   * `all`: every key on the server (a login of its own, but no key space of its own: point such
   * definitions at a server of their own).
   */
  keys: z.enum(['own-prefix', 'all']).default('own-prefix'),
});

/** A directory of its own on this machine. */
export const VolumeProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('volume'),
  /** Where the directories are made; a relative path is relative to the project directory. */
  baseDir: z.string().min(1).default('.slipway/volumes'),
});

/** A host name under the environment's domain (recorded only: no DNS server is driven). */
export const DnsProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('dns'),
  /** Names are `<resource>-<hash>.<environment>.<domain>`; `*.localhost` resolves to this machine. */
  domain: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'a lower-case domain name').default('localhost'),
});

/** A host and path on the environment's router (recorded only: no router is driven yet). */
export const RouteProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('route'),
  /** Default hosts are `<service>.<environment>.<domain>`. */
  domain: z.string().min(1).default('localhost'),
  scheme: z.enum(['http', 'https']).default('http'),
  /** The router's port, when not the scheme's default. */
  port: z.number().int().min(1).max(65535).optional(),
});

/** Any other resource: a command gets the request as JSON on stdin and prints its outputs as JSON. */
export const CmdProvisionerSpec = z.strictObject({
  ...matcher,
  provisioner: z.literal('cmd'),
  /** An executable; a relative path is relative to the project directory. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  timeoutSeconds: z.number().positive().default(60),
});

export const ProvisionerSpec = z.discriminatedUnion('provisioner', [
  ServiceProvisionerSpec,
  ServicePortProvisionerSpec,
  PostgresProvisionerSpec,
  RedisProvisionerSpec,
  VolumeProvisionerSpec,
  DnsProvisionerSpec,
  RouteProvisionerSpec,
  CmdProvisionerSpec,
]);
export type ProvisionerSpec = z.infer<typeof ProvisionerSpec>;
/** The platform layer's `provisioners` field. Earlier entries win ties of equal specificity. */
export const ProvisionerSpecs = z.array(ProvisionerSpec).default([]);

export type ProvisionerKind = ProvisionerSpec['provisioner'];
/** The definition of one kind of provisioner. */
export type SpecOf<K extends ProvisionerKind> = Extract<ProvisionerSpec, { provisioner: K }>;
