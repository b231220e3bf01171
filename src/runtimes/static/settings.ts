/**
 * Settings of a `static` target in the project file: a local web root that a web server (nginx)
 * serves. Add `StaticTarget` to the `Target` union in `inputs/schema.ts`.
 */
import { z } from 'zod';

export const StaticTarget = z.strictObject({
  runtime: z.literal('static'),
  /**
   * Directory the sites are published under (relative to the project file): each unit at
   * `<webRoot>/<environment>/<service>/current`, the path to give the web server as its root.
   */
  webRoot: z.string().min(1),
  /** Releases kept per unit, the live one included, so a rollback is a link switch. */
  keepReleases: z.number().int().min(1).default(3),
});
export type StaticTarget = z.infer<typeof StaticTarget>;
