/** Output of a service's instances in one environment, from every target that can stream logs. */
import { hasLogs, interleave, type LogLine, type LogsOptions } from '../runtimes/index.js';
import { environmentTargets } from './units.js';
import type { Workspace } from './workspace.js';

export interface LogsRequest extends LogsOptions {
  readonly service: string;
  readonly environment: string;
}

/** Lines from all targets as they come, each target's in its own order; with `follow`, until aborted. */
export async function* logs(ws: Workspace, request: LogsRequest): AsyncGenerator<LogLine> {
  const { service, environment, ...options } = request;
  const streams = environmentTargets(ws, environment).flatMap((target) => {
    const runtime = ws.runtime(target);
    return hasLogs(runtime) ? [runtime.logs({ service, environment, target }, options)] : [];
  });
  yield* interleave(streams);
}
