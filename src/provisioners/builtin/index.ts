/**
 * The built-in provisioners, one per kind.
 */
import type { ProvisionerRegistry } from '../types.js';
import { cmdProvisioner, type CmdProvisionerOptions } from './cmd.js';
import { postgresProvisioner, type PostgresProvisionerOptions } from './postgres.js';
import { routeProvisioner } from './route.js';
import { serviceProvisioner } from './service.js';

export type BuiltinProvisionerOptions = CmdProvisionerOptions & PostgresProvisionerOptions;

/** A registry of the built-in provisioners; `options` inject their side effects. */
export function builtinProvisioners(options: BuiltinProvisionerOptions = {}): ProvisionerRegistry {
  return { service: serviceProvisioner(), postgres: postgresProvisioner(options), route: routeProvisioner(), cmd: cmdProvisioner(options) };
}

export { cmdProvisioner, postgresProvisioner, routeProvisioner, serviceProvisioner, type CmdProvisionerOptions, type PostgresProvisionerOptions };
export { databaseName, type PgConnection } from './postgres.js';
