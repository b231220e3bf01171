/**
 * The small interface every benchmark implements. A benchmark lives in `bench/<name>.bench.ts`
 * and default-exports a `Benchmark`; `bench/run.ts` finds it there.
 */

/** One measured value, compared with its target when it has one (lower is better). */
export interface Result {
  /** What was measured, e.g. "plan time (median of 9)". */
  readonly measure: string;
  readonly value: number;
  /** Unit of `value` and `target`, e.g. "ms" or "MiB". */
  readonly unit: string;
  /** The value the design asks to stay under; absent for figures shown for context. */
  readonly target?: number;
}

export interface Benchmark {
  /** Short name to select it on the command line: `npm run bench -- <name>`. */
  readonly name: string;
  /** One sentence: what it measures, at which size. */
  readonly description: string;
  /** Runs the benchmark to completion; may spawn child processes. Throws if it cannot measure. */
  run(): Promise<Result[]>;
}
