/**
 * Another workload's address in the same environment, from the given addresses; no I/O.
 *
 * - `service`: params `service` (default: the request's id, else the resource's name) and `port` (a
 *   port name; default `http`, else the workload's only port). Outputs: host, port, url.
 * - `service-port`, as score-compose's: params `workload` and `port` (a port name), both required.
 *   Outputs: hostname, port.
 */
import { z } from 'zod';
import type { SpecOf } from '../schema.js';
import type { Provisioner, WorkloadAddress } from '../types.js';
import { parseParams } from './params.js';

const ServiceParams = z.strictObject({ service: z.string().min(1).optional(), port: z.string().min(1).optional() });
const ServicePortParams = z.strictObject({
  workload: z.string({ error: "expected the target workload's name" }).min(1),
  port: z.string({ error: "expected the name of the target workload's port" }).min(1),
});

/** Creates the `service` provisioner. */
export function serviceProvisioner(): Provisioner<SpecOf<'service'>> {
  return {
    prepare({ environment, resource, id, params, workloads }) {
      const given = parseParams(ServiceParams, params);
      const service = given.service ?? id ?? resource;
      const { host, ports } = findWorkload(environment, workloads, service);
      const names = Object.keys(ports);
      const port = given.port ?? (names.includes('http') || names.length !== 1 ? 'http' : names[0]!);
      return { service, port, host, number: portNumber(service, ports, port) };
    },
    provision({ spec, params }) {
      const { host, number } = params as { host: string; number: number };
      return Promise.resolve({ outputs: { host, port: String(number), url: `${spec.scheme}://${host}:${number}` } });
    },
    deprovision: () => Promise.resolve(),
  };
}

/** Creates the `service-port` provisioner. */
export function servicePortProvisioner(): Provisioner<SpecOf<'service-port'>> {
  return {
    prepare({ environment, params, workloads }) {
      const { workload, port } = parseParams(ServicePortParams, params);
      const found = findWorkload(environment, workloads, workload);
      return { workload, port, host: found.host, number: portNumber(workload, found.ports, port) };
    },
    provision({ params }) {
      const { host, number } = params as { host: string; number: number };
      return Promise.resolve({ outputs: { hostname: host, port: String(number) } });
    },
    deprovision: () => Promise.resolve(),
  };
}

function findWorkload(environment: string, workloads: readonly WorkloadAddress[], service: string): WorkloadAddress {
  const workload = workloads.find((w) => w.service === service);
  if (!workload) throw new Error(`there is no service "${service}" in environment ${environment}`);
  return workload;
}

/** The number of port `port`; throws naming the ports there are, or saying that an `auto` port cannot be addressed. */
function portNumber(service: string, ports: WorkloadAddress['ports'], port: string): number {
  const number = ports[port];
  if (number === undefined) throw new Error(`service ${service} has no port "${port}" (its ports: ${Object.keys(ports).join(', ') || 'none'})`);
  if (number === 'auto') throw new Error(`port "${port}" of service ${service} is allocated when it starts (auto); give it a number so that other services can address it`);
  return number;
}
