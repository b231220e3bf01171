/**
 * `redis`: a login of its own on the environment's Redis server (Debian's `redis-server`, or any
 * Redis 7 or later), reached with the definition's admin URL. Outputs (score-compose's, plus
 * `prefix`): host, port, username, prefix; secrets: password, url.
 *
 * Why a user on the platform's server, not a server per resource as score-compose starts: a
 * platform runs Redis the way it runs PostgreSQL, as a service of its own that its init system
 * keeps up, watches and backs up; a server that a provisioner started would be supervised by
 * nothing (Slipway starts processes only through runtimes), so after a host restart it would stay
 * down until someone deployed again. What a user needs of "their Redis" is a login that is theirs
 * alone, revoked when the resource goes, and keys no other service can read or overwrite:
 *
 * - the user is made with `ACL SETUSER` (all commands but `@admin` and `@dangerous`, `INFO` allowed
 *   back for clients' ready checks), and saved so that it outlives a restart of the server: `ACL
 *   SAVE` where the server has an `aclfile`, else `CONFIG REWRITE` (a server with neither keeps
 *   users only in memory, and provisioning fails saying so before it changes any user);
 * - with `keys: own-prefix` (the default) it reaches only keys and channels under its `prefix`
 *   output (`<username>:`), so a workload names its keys with it (most clients take a key prefix);
 *   `SCAN` still lists the names of other keys, never their values. With `keys: all` it reaches
 *   every key, for workloads that cannot prefix theirs: the whole key space, everyone else's
 *   included, so a platform that offers `all` gives it a server of its own.
 *
 * Provisioning is idempotent: it (re)sets the user to the recorded password (a new random one the
 * first time). Deleting removes the user (closing its connections) and, with `own-prefix`, every
 * key under its prefix in every database. No params.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SpecOf } from '../schema.js';
import type { Provisioner } from '../types.js';
import { resourceName } from './names.js';
import { parseParams } from './params.js';
import { connectRedis, RedisReplyError, type RedisConnection, type RedisReply } from './redis-connection.js';

export interface RedisProvisionerOptions {
  /** Opens an admin connection. Default: `connectRedis`. */
  readonly connectRedis?: (url: string) => Promise<RedisConnection>;
  /** A new user password. Default: 32 random bytes, base64url (safe in URLs unencoded). */
  readonly newPassword?: () => string;
}

/** How many keys one `SCAN` step of a deletion asks for. */
const SCAN_COUNT = '1000';

/** Creates the `redis` provisioner. */
export function redisProvisioner(options: RedisProvisionerOptions = {}): Provisioner<SpecOf<'redis'>> {
  const connect = options.connectRedis ?? connectRedis;
  const newPassword = options.newPassword ?? (() => randomBytes(32).toString('base64url'));
  return {
    prepare({ params }) {
      return parseParams(z.strictObject({}), params);
    },
    async provision({ environment, uid, spec, previous }) {
      const username = redisUserName(environment, uid);
      const password = previous?.password ?? newPassword();
      await withRedis(connect, spec.adminUrl, async (redis) => {
        const save = await userSaver(redis);
        await redis.command('ACL', 'SETUSER', username, ...userRules(username, password, spec.keys)).catch((error: unknown) => {
          // Redis quotes a rule it refuses: never the password.
          throw error instanceof RedisReplyError ? new Error(`ACL SETUSER ${username} was refused: ${error.message.replaceAll(password, '…')}`) : error;
        });
        await save();
      });
      const { host, port } = serverAddress(spec);
      const url = `redis://${username}:${encodeURIComponent(password)}@${host.includes(':') ? `[${host}]` : host}:${port}`;
      const outputs: Record<string, string> = { host, port: String(port), username };
      if (spec.keys === 'own-prefix') outputs.prefix = keyPrefix(username);
      return { outputs, secrets: { password, url } };
    },
    async deprovision({ environment, uid, spec }) {
      const username = redisUserName(environment, uid);
      await withRedis(connect, spec.adminUrl, async (redis) => {
        const save = await userSaver(redis);
        await redis.command('ACL', 'DELUSER', username);
        await save();
        if (spec.keys === 'own-prefix') await deleteKeys(redis, `${keyPrefix(username)}*`);
      });
    },
  };
}

/** The resource's Redis user: the same name its PostgreSQL role would have. */
export function redisUserName(environment: string, uid: string): string {
  return resourceName(environment, uid);
}

/** The prefix of the keys and channels a user of `own-prefix` reaches. Free of glob characters, as names are. */
function keyPrefix(username: string): string {
  return `${username}:`;
}

/**
 * `ACL SETUSER` rules that make the user exactly this, whatever it was before: each part is reset
 * and set again (not `reset` as a whole, which would switch it off for a moment).
 */
export function userRules(username: string, password: string, keys: SpecOf<'redis'>['keys']): string[] {
  const [keyRule, channelRule] = keys === 'own-prefix' ? [`~${keyPrefix(username)}*`, `&${keyPrefix(username)}*`] : ['~*', '&*'];
  return ['on', 'resetpass', `>${password}`, 'resetkeys', keyRule, 'resetchannels', channelRule, 'clearselectors', '+@all', '-@admin', '-@dangerous', '+info'];
}

/**
 * How the server's users are made to outlive its restart: `ACL SAVE` where it has an aclfile, else
 * `CONFIG REWRITE`, tried once here so that a server that can do neither is refused before any
 * user is changed (it keeps users only in memory).
 */
async function userSaver(redis: RedisConnection): Promise<() => Promise<void>> {
  const [, aclfile] = asStrings(await redis.command('CONFIG', 'GET', 'aclfile'));
  if (aclfile) return async () => void (await redis.command('ACL', 'SAVE'));
  const rewrite = async () => void (await redis.command('CONFIG', 'REWRITE'));
  try {
    await rewrite();
  } catch (error) {
    if (!(error instanceof RedisReplyError)) throw error;
    throw new Error(
      `the Redis server keeps its users only in memory (it has no aclfile, and CONFIG REWRITE answered: ${error.message}); ` +
        'users made for resources would be lost when it restarts: give it an aclfile or start it with a configuration file',
    );
  }
  return rewrite;
}

/** Unlinks every key matching `pattern` in every database of the server. */
async function deleteKeys(redis: RedisConnection, pattern: string): Promise<void> {
  const [, databases] = asStrings(await redis.command('CONFIG', 'GET', 'databases'));
  for (let db = 0; db < Number(databases ?? 16); db++) {
    await redis.command('SELECT', String(db));
    let cursor = '0';
    do {
      const [next, keys] = (await redis.command('SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)) as [string, string[]];
      if (keys.length > 0) await redis.command('UNLINK', ...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

function asStrings(reply: RedisReply): string[] {
  return Array.isArray(reply) ? reply.map(String) : [];
}

function serverAddress(spec: SpecOf<'redis'>): { host: string; port: number } {
  const url = new URL(spec.adminUrl);
  return { host: spec.host ?? url.hostname.replace(/^\[(.*)\]$/, '$1'), port: spec.port ?? (url.port ? Number(url.port) : 6379) };
}

async function withRedis(connect: (url: string) => Promise<RedisConnection>, url: string, work: (redis: RedisConnection) => Promise<void>): Promise<void> {
  const redis = await connect(url);
  try {
    await work(redis);
  } finally {
    await redis.end();
  }
}
