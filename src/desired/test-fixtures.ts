/**
 * Builders of services and releases for tests, with every schema default filled in.
 */
import type { Service } from '../inputs/schema.js';
import type { Release } from './types.js';

/** A service running `node server.js`, one replica, no overrides, with `overrides` on top. */
export function serviceSpec(overrides: Partial<Service> = {}, workload: Partial<Service['workload']> = {}): Service {
  return {
    workload: { command: 'node', args: ['server.js'], env: {}, ports: {}, ...workload },
    replicas: 1,
    resources: {},
    environments: {},
    ...overrides,
  };
}

/** A release `<service>@<version>` of `spec`, without an artifact unless one is given. */
export function release(service: string, version: string, spec: Service = serviceSpec(), artifactDigest: string | null = null): Release {
  return {
    id: `${service}@${version}`,
    service,
    version,
    artifactDigest,
    specHash: 'test',
    spec,
    createdAt: new Date(0),
    createdBy: 'test',
  };
}
