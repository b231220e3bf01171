/** Errors adapters share. */
import { RuntimeError } from '../../errors.js';

/** Apply gave up on a replica that did not become ready; `logTail` holds its last output. */
export class InstanceNotReadyError extends RuntimeError {
  constructor(
    message: string,
    readonly instance: string,
    readonly logTail: readonly string[],
  ) {
    super(`${message}\n--- last lines of ${instance} ---\n${logTail.join('\n')}`);
  }
}
