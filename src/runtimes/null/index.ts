/** The `null` runtime module: records what it is asked and runs nothing (`null-runtime.ts`). */
import type { RuntimeModule } from '../types.js';
import { NullTarget } from './settings.js';

export const nullRuntime: RuntimeModule<typeof NullTarget> = {
  kind: 'null',
  settings: NullTarget,
  async open(_settings, ctx) {
    const { openNullRuntime } = await import('./null-runtime.js');
    return openNullRuntime(ctx);
  },
};
