/**
 * `route`: a host and path on the environment's router. There is no router adapter yet, so the
 * route is only recorded (as the resource's record) and its URL handed out; nothing is configured.
 * Params: `host` (default `<service>.<environment>.<domain>`), `path` (default `/`), and `port`, the
 * requesting workload's port the route leads to (a name or number; recorded, as score-compose's
 * and score-k8s's route requests give it). Outputs: host, path, url.
 */
import { z } from 'zod';
import type { SpecOf } from '../schema.js';
import type { Provisioner } from '../types.js';
import { parseParams } from './params.js';

const Params = z.strictObject({
  host: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a host name').optional(),
  path: z.string().startsWith('/').optional(),
  port: z.union([z.string().min(1), z.number().int().min(1).max(65535)]).optional(),
});

/** Creates the `route` provisioner. */
export function routeProvisioner(): Provisioner<SpecOf<'route'>> {
  return {
    prepare({ environment, service, params, spec }) {
      const given = parseParams(Params, params);
      const port = given.port === undefined ? {} : { port: given.port };
      return { host: given.host ?? `${service}.${environment}.${spec.domain}`, path: given.path ?? '/', ...port };
    },
    provision({ spec, params }) {
      const { host, path } = params as { host: string; path: string };
      const port = spec.port === undefined ? '' : `:${spec.port}`;
      return Promise.resolve({ outputs: { host, path, url: `${spec.scheme}://${host}${port}${path}` } });
    },
    deprovision: () => Promise.resolve(),
  };
}
