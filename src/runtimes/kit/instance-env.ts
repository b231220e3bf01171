/** The environment a replica starts with, on any target: the same variables everywhere. */
import type { DesiredUnit } from '../../desired/types.js';
import { instanceId } from './names.js';

/** Variables passed through from the orchestrator's own environment; nothing else leaks (no secrets of the control plane). */
export const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

/**
 * `PATH`/`HOME`/… from `base`, then the workload's env, then `PORT` (the first port),
 * `PORT_<NAME>` for every port (upper-case, `-` as `_`) and `SLIPWAY_SERVICE`,
 * `SLIPWAY_ENVIRONMENT`, `SLIPWAY_RELEASE` (the release version), `SLIPWAY_INSTANCE`. Later entries win.
 */
export function instanceEnv(
  unit: DesiredUnit,
  replica: number,
  ports: Readonly<Record<string, number>>,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = base[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, unit.workload.env);
  const entries = Object.entries(ports);
  if (entries[0]) env.PORT = String(entries[0][1]);
  for (const [name, port] of entries) env[`PORT_${name.toUpperCase().replaceAll('-', '_')}`] = String(port);
  env.SLIPWAY_SERVICE = unit.service;
  env.SLIPWAY_ENVIRONMENT = unit.environment;
  env.SLIPWAY_RELEASE = unit.release.version;
  env.SLIPWAY_INSTANCE = instanceId(unit, replica);
  return env;
}
