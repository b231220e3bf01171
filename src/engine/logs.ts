/** Output of a service's instances in one environment, from every target that can stream logs. */
import { hasLogs, type LogLine, type LogsOptions } from '../runtimes/index.js';
import { environmentTargets } from './units.js';
import type { Workspace } from './workspace.js';

export interface LogsRequest extends LogsOptions {
  readonly service: string;
  readonly environment: string;
}

/** Lines from each target in turn; with `follow`, from all targets as they come, until aborted. */
export async function* logs(ws: Workspace, request: LogsRequest): AsyncGenerator<LogLine> {
  const { service, environment, ...options } = request;
  const streams = environmentTargets(ws, environment).flatMap((target) => {
    const runtime = ws.runtime(target);
    return hasLogs(runtime) ? [runtime.logs({ service, environment, target }, options)] : [];
  });
  yield* merge(streams);
}

/** Interleaves async iterables in arrival order. */
async function* merge<T>(iterables: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = iterables.map((it) => it[Symbol.asyncIterator]());
  const pending = new Map(iterators.map((it, i) => [i, it.next().then((r) => ({ i, r }))]));
  while (pending.size > 0) {
    const { i, r } = await Promise.race(pending.values());
    if (r.done) {
      pending.delete(i);
      continue;
    }
    pending.set(i, iterators[i]!.next().then((next) => ({ i, r: next })));
    yield r.value;
  }
}
