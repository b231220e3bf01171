/** Settings of a `process` target in the project file. */
import { z } from 'zod';

/** Supervised local processes. `baseDir` (relative to the project file) holds instance state and logs. */
export const ProcessTarget = z.strictObject({
  runtime: z.literal('process'),
  baseDir: z.string().min(1).optional(),
  /** Log bytes per instance before the file is rotated. */
  logMaxBytes: z.number().int().positive().default(10 * 1024 * 1024),
  /** Rotated log files kept per instance. */
  logKeep: z.number().int().min(0).default(3),
});
export type ProcessTarget = z.infer<typeof ProcessTarget>;
