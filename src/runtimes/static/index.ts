/**
 * The `static` runtime module: sites published to a web root on this machine, or on a host over
 * SSH (ssh2 loads with `static-runtime.ts`, only when a target opens). A local `webRoot` and the
 * login's files are relative to the project file; a web root on a host is a path there, used as given.
 */
import { resolve } from 'node:path';
import { loginFiles } from '../kit/ssh/settings.js';
import type { RuntimeModule, WorkloadRefusal } from '../types.js';
import type { Workload } from '../../inputs/schema.js';
import { containersOf } from '../../inputs/workload-containers.js';
import { StaticTarget } from './settings.js';

/**
 * What a static target cannot honour: an order of containers (`before`), since it publishes a
 * site and starts none. (Everything else a container says is ignored, as `static-runtime.ts` tells.)
 */
export function staticRefusals(workload: Workload): WorkloadRefusal[] {
  return containersOf(workload)
    .filter(([, container]) => Object.keys(container.before ?? {}).length > 0)
    .map(([at]) => ({ path: [...at, 'before'], at: 'key' as const, message: 'it publishes a site and starts no containers, so it cannot order them; remove before' }));
}

export const staticRuntime: RuntimeModule<typeof StaticTarget> = {
  kind: 'static',
  settings: StaticTarget,
  refuses: staticRefusals,
  resolvePaths: (settings, projectDir) =>
    settings.ssh ? { ...settings, ssh: loginFiles(settings.ssh, projectDir) } : { ...settings, webRoot: resolve(projectDir, settings.webRoot) },
  async open(settings, ctx) {
    const { openStaticRuntime } = await import('./static-runtime.js');
    return openStaticRuntime(settings, ctx);
  },
};
