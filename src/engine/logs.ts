/**
 * Output of a service's instances in one environment, from every target that can stream logs,
 * with the value of every secret in the store hidden: a service that prints its password shows
 * `***` wherever its logs are read (CLI, API, server-sent events, the web UI).
 */
import { hasLogs, interleave, type LogLine, type LogsOptions } from '../runtimes/index.js';
import { SecretValuesRedactor } from '../secrets/index.js';
import { secretStore } from './materials.js';
import { environmentTargets } from './units.js';
import type { Workspace } from './workspace.js';

export interface LogsRequest extends LogsOptions {
  readonly service: string;
  readonly environment: string;
}

/** How often a followed stream looks for secrets set since it began. */
const REFRESH_MS = 2000;

/** Lines from all targets as they come, each target's in its own order; with `follow`, until aborted. */
export async function* logs(ws: Workspace, request: LogsRequest): AsyncGenerator<LogLine> {
  const { service, environment, ...options } = request;
  const streams = environmentTargets(ws, environment).flatMap((target) => {
    const runtime = ws.runtime(target);
    return hasLogs(runtime) ? [runtime.logs({ service, environment, target }, options)] : [];
  });
  const redactor = await new SecretValuesRedactor(secretStore(ws)).refresh();
  let refreshed = Date.now();
  for await (const line of interleave(streams)) {
    if (Date.now() - refreshed > REFRESH_MS) {
      await redactor.refresh();
      refreshed = Date.now();
    }
    yield { ...line, line: redactor.redact(line.line) };
  }
}
