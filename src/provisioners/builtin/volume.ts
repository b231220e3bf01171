/**
 * `volume`: a directory of its own on this machine, `<baseDir>/<name>` (the name as its
 * PostgreSQL database would have), private to the user running Slipway (0700). Provisioning makes
 * it when missing and keeps what is in it; deleting removes it with everything in it. A
 * directory here serves the targets on this machine (processes, containers of the local engine),
 * not SSH hosts. No params. Outputs: source (its absolute path; score-compose's output, where it is
 * a Docker volume's name) and type, `bind`: a container mounts it as a bind mount of `source`.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir } from '../../state-dir.js';
import type { SpecOf } from '../schema.js';
import type { Provisioner } from '../types.js';
import { resourceName } from './names.js';
import { parseParams } from './params.js';

export interface VolumeProvisionerOptions {
  /** The directory a relative `baseDir` is relative to: the project directory. Default: the current directory. */
  readonly cwd?: string;
}

/** Creates the `volume` provisioner. */
export function volumeProvisioner(options: VolumeProvisionerOptions = {}): Provisioner<SpecOf<'volume'>> {
  const cwd = options.cwd ?? process.cwd();
  const directory = (spec: SpecOf<'volume'>, environment: string, uid: string) => join(resolve(cwd, spec.baseDir), resourceName(environment, uid, 100));
  return {
    prepare({ params }) {
      return parseParams(z.strictObject({}), params);
    },
    provision({ environment, uid, spec }) {
      const source = directory(spec, environment, uid);
      ensurePrivateDir(resolve(cwd, spec.baseDir));
      ensurePrivateDir(source);
      return Promise.resolve({ outputs: { source, type: 'bind' } });
    },
    deprovision({ environment, uid, spec }) {
      rmSync(directory(spec, environment, uid), { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}
