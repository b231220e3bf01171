/**
 * The `process` runtime module: supervised local child processes (`process-runtime.ts`, loaded
 * when a target opens). A target's `baseDir`, relative to the project file, is its state directory.
 */
import { resolve } from 'node:path';
import { processRefusals } from '../kit/process-workload.js';
import type { RuntimeModule } from '../types.js';
import { ProcessTarget } from './settings.js';

export const processRuntime: RuntimeModule<typeof ProcessTarget> = {
  kind: 'process',
  settings: ProcessTarget,
  refuses: processRefusals,
  stateDir: (settings, projectDir) => (settings.baseDir ? resolve(projectDir, settings.baseDir) : undefined),
  async open(settings, ctx) {
    const { openProcessRuntime } = await import('./process-runtime.js');
    return openProcessRuntime({ logMaxBytes: settings.logMaxBytes, logKeep: settings.logKeep }, ctx);
  },
};
