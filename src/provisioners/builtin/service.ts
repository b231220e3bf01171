/**
 * `service`: another workload's address in the same environment, from the given addresses; no I/O.
 * Params: `service` (default: the request's id, else the resource's name) and `port` (a port
 * name; default `http`, else the workload's only port). Outputs: host, port, url.
 */
import { z } from 'zod';
import type { SpecOf } from '../schema.js';
import type { Provisioner } from '../types.js';
import { parseParams } from './params.js';

const Params = z.strictObject({ service: z.string().min(1).optional(), port: z.string().min(1).optional() });

/** Creates the `service` provisioner. */
export function serviceProvisioner(): Provisioner<SpecOf<'service'>> {
  return {
    prepare({ environment, resource, id, params, workloads }) {
      const given = parseParams(Params, params);
      const service = given.service ?? id ?? resource;
      const workload = workloads.find((w) => w.service === service);
      if (!workload) throw new Error(`there is no service "${service}" in environment ${environment}`);
      const names = Object.keys(workload.ports);
      const port = given.port ?? (names.includes('http') || names.length !== 1 ? 'http' : names[0]!);
      const number = workload.ports[port];
      if (number === undefined) throw new Error(`service ${service} has no port "${port}" (its ports: ${names.join(', ') || 'none'})`);
      if (number === 'auto') throw new Error(`port "${port}" of service ${service} is allocated when it starts (auto); give it a number so that other services can address it`);
      return { service, port, host: workload.host, number };
    },
    provision({ spec, params }) {
      const { host, number } = params as { host: string; number: number };
      return Promise.resolve({ outputs: { host, port: String(number), url: `${spec.scheme}://${host}:${number}` } });
    },
    deprovision: () => Promise.resolve(),
  };
}
