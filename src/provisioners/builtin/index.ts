/**
 * The built-in provisioners, one per kind.
 */
import type { ProvisionerRegistry } from '../types.js';
import { cmdProvisioner, type CmdProvisionerOptions } from './cmd.js';
import { dnsProvisioner } from './dns.js';
import { postgresProvisioner, type PostgresProvisionerOptions } from './postgres.js';
import { redisProvisioner, type RedisProvisionerOptions } from './redis.js';
import { routeProvisioner } from './route.js';
import { servicePortProvisioner, serviceProvisioner } from './service.js';
import { volumeProvisioner, type VolumeProvisionerOptions } from './volume.js';

export type BuiltinProvisionerOptions = CmdProvisionerOptions & PostgresProvisionerOptions & RedisProvisionerOptions & VolumeProvisionerOptions;

/** A registry of the built-in provisioners; `options` inject their side effects (`cwd`: the project directory). */
export function builtinProvisioners(options: BuiltinProvisionerOptions = {}): ProvisionerRegistry {
  return {
    service: serviceProvisioner(),
    'service-port': servicePortProvisioner(),
    postgres: postgresProvisioner(options),
    redis: redisProvisioner(options),
    volume: volumeProvisioner(options),
    dns: dnsProvisioner(),
    route: routeProvisioner(),
    cmd: cmdProvisioner(options),
  };
}

export {
  cmdProvisioner,
  dnsProvisioner,
  postgresProvisioner,
  redisProvisioner,
  routeProvisioner,
  servicePortProvisioner,
  serviceProvisioner,
  volumeProvisioner,
  type CmdProvisionerOptions,
  type PostgresProvisionerOptions,
  type RedisProvisionerOptions,
  type VolumeProvisionerOptions,
};
export { databaseName, type PgConnection } from './postgres.js';
export { redisUserName } from './redis.js';
export { connectRedis, RedisReplyError, type RedisConnection, type RedisReply } from './redis-connection.js';
