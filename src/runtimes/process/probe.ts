/** HTTP probes, as in Kubernetes: GET on 127.0.0.1; 2xx and 3xx pass, anything else fails. */
import { request } from 'node:http';

/** Performs one probe. Resolves true or false; never rejects. Aborts after `timeoutMs`. */
export function httpProbe(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Signature of {@link httpProbe}, so tests can replace it. */
export type Probe = typeof httpProbe;
