/**
 * The `static` runtime module: sites published to a web root on this machine, or on a host over
 * SSH (ssh2 loads with `static-runtime.ts`, only when a target opens). A local `webRoot` and the
 * login's files are relative to the project file; a web root on a host is a path there, used as given.
 */
import { resolve } from 'node:path';
import { loginFiles } from '../kit/ssh/settings.js';
import type { RuntimeModule } from '../types.js';
import { StaticTarget } from './settings.js';

export const staticRuntime: RuntimeModule<typeof StaticTarget> = {
  kind: 'static',
  settings: StaticTarget,
  resolvePaths: (settings, projectDir) =>
    settings.ssh ? { ...settings, ssh: loginFiles(settings.ssh, projectDir) } : { ...settings, webRoot: resolve(projectDir, settings.webRoot) },
  async open(settings, ctx) {
    const { openStaticRuntime } = await import('./static-runtime.js');
    return openStaticRuntime(settings, ctx);
  },
};
