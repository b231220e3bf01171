/**
 * The `ssh` runtime module: Linux hosts over SSH, releases in content-addressed directories,
 * rolled behind HAProxy (ssh2 loads with `ssh-runtime.ts`, only when a target opens). The login's
 * files and HAProxy's socket are relative to the project file; `baseDir` is a path on the hosts.
 */
import { resolve } from 'node:path';
import { loginFiles } from '../kit/ssh/settings.js';
import { processRefusals } from '../kit/process-workload.js';
import type { RuntimeModule } from '../types.js';
import { SshTarget } from './settings.js';

export const sshRuntime: RuntimeModule<typeof SshTarget> = {
  kind: 'ssh',
  settings: SshTarget,
  refuses: processRefusals,
  resolvePaths: (settings, projectDir) => ({
    ...loginFiles(settings, projectDir),
    ...(settings.haproxy && { haproxy: { ...settings.haproxy, socket: resolve(projectDir, settings.haproxy.socket) } }),
  }),
  async open(settings, ctx) {
    const { openSshRuntime } = await import('./ssh-runtime.js');
    return openSshRuntime(settings, ctx);
  },
  warm(settings, ctx) {
    let dropped = false;
    let drop: () => void = () => void (dropped = true);
    import('./ssh-runtime.js')
      .then(({ warmSshRuntime }) => !dropped && (drop = warmSshRuntime(settings, ctx)))
      .catch(() => undefined);
    return () => drop();
  },
};
