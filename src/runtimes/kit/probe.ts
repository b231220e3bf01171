/** HTTP probes, as in Kubernetes: GET on this machine ({@link LOOPBACK}); 2xx and 3xx pass, anything else fails. */
import { request } from 'node:http';
import { errorMessage, RuntimeError } from '../../errors.js';
import { LOOPBACK } from './ports.js';

/**
 * Performs one probe, with `headers`, aborted after `timeoutMs`. Resolves true on a 2xx or 3xx answer, false on
 * any other answer, on none in time, or on a connection that fails. Rejects, with a
 * `RuntimeError`, only when the request cannot be made at all (a path an HTTP client cannot send,
 * as in a record written before the project file checked it): trying again cannot help, and the
 * caller records it as the instance's fault.
 */
export function httpProbe(port: number, path: string, timeoutMs: number, headers: readonly { readonly name: string; readonly value: string }[] = []): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: LOOPBACK, port, path, method: 'GET', agent: false, timeout: timeoutMs, headers: Object.fromEntries(headers.map(({ name, value }) => [name, value])) }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400);
      });
    } catch (error) {
      reject(new RuntimeError(`probe GET ${JSON.stringify(path)} on port ${port} cannot be sent: ${errorMessage(error)}`, { cause: error }));
      return;
    }
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Signature of {@link httpProbe}, so tests can replace it. */
export type Probe = typeof httpProbe;
