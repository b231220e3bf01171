/** Settings of a `null` target in the project file: none. */
import { z } from 'zod';

/** Records what it is asked to run and runs nothing: for tests and dry runs. */
export const NullTarget = z.strictObject({ runtime: z.literal('null') });
export type NullTarget = z.infer<typeof NullTarget>;
