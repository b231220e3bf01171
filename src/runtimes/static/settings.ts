/**
 * Settings of a `static` target in the project file: a web root that a web server (nginx) serves,
 * on this machine or, with `ssh`, on a host. Its module (`index.ts`) is in `runtimes/registry.ts`.
 */
import { z } from 'zod';
import { SshHostLogin } from '../kit/ssh/settings.js';

export const StaticTarget = z.strictObject({
  runtime: z.literal('static'),
  /**
   * Directory the sites are published under (relative to the project file; with `ssh`, an
   * absolute path on the host): each unit at `<webRoot>/<environment>/<service>/current`, the
   * path to give the web server as its root.
   */
  webRoot: z.string().min(1),
  /** Publish to this host over SSH (host key pinned as for an `ssh` target) instead of this machine. */
  ssh: SshHostLogin.optional(),
  /** Releases kept per unit, the live one included, so a rollback is a link switch. */
  keepReleases: z.number().int().min(1).default(3),
});
export type StaticTarget = z.infer<typeof StaticTarget>;
