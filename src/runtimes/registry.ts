/**
 * Every kind of runtime Slipway knows, one line each. A new adapter is a folder under
 * `runtimes/` (its module in `index.ts`, the adapter beside it, using only the kit) and a line
 * here; the project schema's `Target` union is built from this list.
 */
import type { Target } from '../inputs/schema.js';
import { containerRuntime } from './container/index.js';
import { nullRuntime } from './null/index.js';
import { processRuntime } from './process/index.js';
import { sshRuntime } from './ssh/index.js';
import { staticRuntime } from './static/index.js';
import type { RuntimeAdapter, RuntimeContext, RuntimeModule } from './types.js';

/** The built-in runtime modules, in the order the project schema lists their settings. */
export const RUNTIME_MODULES = [processRuntime, nullRuntime, containerRuntime, staticRuntime, sshRuntime] as const;

/** The settings schemas of `modules`, in order: the options of the `Target` union. */
export function settingsSchemas<const M extends readonly [RuntimeModule, ...RuntimeModule[]]>(modules: M): { -readonly [K in keyof M]: M[K]['settings'] } {
  return modules.map((module) => module.settings) as { -readonly [K in keyof M]: M[K]['settings'] };
}

/** The module of `kind`; undefined for a kind no module has. */
export function runtimeModule(kind: string): RuntimeModule | undefined {
  return (RUNTIME_MODULES as readonly RuntimeModule[]).find((module) => module.kind === kind);
}

/** Where a target is opened from. */
export interface TargetPlace {
  /** The project file's directory: relative paths in the settings are relative to it. */
  readonly projectDir: string;
  /** The state directory to use unless the settings name the target's own (`.slipway/runtime/<target>`). */
  readonly stateDir: string;
}

/**
 * Opens the adapter of `target` through its module: paths resolved against `place.projectDir`,
 * state in the module's directory for it or `place.stateDir` (created when missing by the
 * adapter). Loads the adapter's code when it is first needed, so a command on a project without
 * container, static or ssh targets never loads dockerode or ssh2.
 */
export function openRuntime(target: Target, place: TargetPlace, ctx: Omit<RuntimeContext, 'stateDir'>): Promise<RuntimeAdapter> {
  const { module, settings, stateDir } = placed(target, place);
  return module.open(settings, { ...ctx, stateDir });
}

/**
 * Has the module of `target` begin what opening it will wait for (its `warm`; `readAhead` as
 * `WarmContext` says), if it has anything to begin; returns what drops that when the target is not
 * to open. Never throws.
 */
export function warmRuntime(target: Target, place: TargetPlace, name: string, readAhead: boolean): () => void {
  try {
    const { module, settings, stateDir } = placed(target, place);
    return module.warm?.(settings, { target: name, stateDir, readAhead }) ?? (() => {});
  } catch {
    return () => {}; // what the settings lack, opening the target reports
  }
}

/** The module of `target`, its settings resolved, and its state directory. */
function placed(target: Target, place: TargetPlace): { module: RuntimeModule; settings: Parameters<RuntimeModule['open']>[0]; stateDir: string } {
  const module = runtimeModule(target.runtime);
  if (!module) throw new Error(`no runtime module for kind ${JSON.stringify(target.runtime)}`);
  const settings = module.resolvePaths?.(target, place.projectDir) ?? target;
  return { module, settings, stateDir: module.stateDir?.(settings, place.projectDir) ?? place.stateDir };
}
