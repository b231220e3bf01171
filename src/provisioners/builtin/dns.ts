/**
 * `dns`: a host name of its own for a resource, `<resource>-<hash>.<environment>.<domain>` (the
 * hash keeps names that read alike apart), as score-compose's `dns` gives a random
 * `dns<xxxxxx>.localhost`. It is the same every time the resource is provisioned, so no state is
 * kept. No DNS server is driven: the domain must already lead to the environment's router (the
 * default, `localhost`, resolves to this machine). No params. Outputs: host.
 */
import { z } from 'zod';
import { stableHash } from '../../desired/hash.js';
import type { SpecOf } from '../schema.js';
import type { Provisioner } from '../types.js';
import { parseParams } from './params.js';

/** Creates the `dns` provisioner. */
export function dnsProvisioner(): Provisioner<SpecOf<'dns'>> {
  return {
    prepare({ params }) {
      return parseParams(z.strictObject({}), params);
    },
    provision({ environment, uid, spec }) {
      return Promise.resolve({ outputs: { host: dnsName(environment, uid, spec.domain) } });
    },
    deprovision: () => Promise.resolve(),
  };
}

/** The host name of resource `uid` in `environment`: its first label is at most 57 characters of `[a-z0-9-]`. */
export function dnsName(environment: string, uid: string, domain: string): string {
  const readable = uid.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `${readable ? `${readable}-` : ''}${stableHash([environment, uid]).slice(0, 8)}.${environment}.${domain}`;
}
