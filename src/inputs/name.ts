/** Names of services, environments, targets and ports; a module of its own so that any schema can use it without cycles. */
import { z } from 'zod';

/** Lower-case DNS-label style names: services, environments, targets, ports. */
export const Name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a name of lower-case letters, digits and "-", starting with a letter');
