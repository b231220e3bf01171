/**
 * Metric analysis: a PromQL query measured at intervals across a window and compared with a
 * threshold. Waits go through the injected clock; each measurement is one instant query.
 */
import type { Clock } from './clock.js';
import { clockTime, count, formatValue } from './format.js';
import { PrometheusError, queryPrometheus, type PrometheusSample } from './prometheus.js';
import type { CheckResult, Measurement, MetricCheck, QueryPlaceholder, VerificationTarget } from './types.js';

export interface MetricCheckDeps {
  clock: Clock;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?(message: string): void;
}

/**
 * `query` with `${service}`, `${environment}` and `${release}` replaced by the target's values,
 * escaped for a PromQL double-quoted string (where label values go).
 */
export function substituteQuery(query: string, target: Pick<VerificationTarget, QueryPlaceholder>): string {
  return query.replace(/\$\{(service|environment|release)\}/g, (_, key: QueryPlaceholder) => target[key].replace(/[\\"]/g, '\\$&'));
}

/**
 * Measures `check` across its window and decides. Never throws for Prometheus trouble: an
 * unreachable or failing Prometheus gives a measurement without data, and a query Prometheus
 * rejects fails the check at once. Blocks for the window (by `deps.clock`) unless a breach beyond
 * `failureLimit` ends it early; rejects with the reason when `deps.signal` aborts.
 */
export async function runMetricCheck(check: MetricCheck, target: VerificationTarget, deps: MetricCheckDeps): Promise<CheckResult> {
  const query = substituteQuery(check.query, target);
  const planned = Math.max(1, Math.floor(check.windowSeconds / check.intervalSeconds + 1e-9));
  const measurements: Measurement[] = [];
  const result = (passed: boolean, message: string): CheckResult => ({
    name: check.name,
    kind: 'metric',
    outcome: passed ? 'passed' : 'failed',
    passed,
    message,
    measurements,
  });
  for (let i = 1; i <= planned; i++) {
    await deps.clock.sleep(check.intervalSeconds * 1000, deps.signal);
    let samples: PrometheusSample[] | string;
    try {
      samples = await queryPrometheus(check.prometheus.url, query, { fetch: deps.fetch, signal: deps.signal });
    } catch (error) {
      if (!(error instanceof PrometheusError)) throw error;
      if (error.failure === 'rejected') return result(false, `${check.name}: ${error.message}`);
      samples = error.message;
    }
    const measurement = evaluate(check, deps.clock.now(), samples);
    measurements.push(measurement);
    const breaches = measurements.filter((m) => m.breached).length;
    deps.onProgress?.(`${check.name}: ${describeMeasurement(check, measurement)} (measurement ${i} of ${planned})`);
    if (breaches > check.failureLimit) {
      const allowed = check.failureLimit > 0 ? `, ${check.failureLimit} allowed` : '';
      return result(false, `${check.name} ${describeMeasurement(check, measurement)} (${breaches} of ${count(i, 'measurement')} breached${allowed})`);
    }
  }
  return conclude(check, measurements, result);
}

function breaches(check: MetricCheck, value: number): boolean {
  const { above, below } = check.failWhen;
  return (above !== undefined && value > above) || (below !== undefined && value < below);
}

/** The measurement's value: the first series that breaches, else the first series; NaN counts as no data. */
function evaluate(check: MetricCheck, at: number, samples: PrometheusSample[] | string): Measurement {
  if (typeof samples === 'string') return { at, value: null, breached: false, note: samples };
  const usable = samples.filter((s) => !Number.isNaN(s.value));
  const chosen = usable.find((s) => breaches(check, s.value)) ?? usable[0];
  if (!chosen) return { at, value: null, breached: false, note: samples.length ? 'the query gave NaN (no traffic?)' : 'the query returned no series' };
  const series = usable.length > 1 ? { note: `series ${formatLabels(chosen.labels)} (of ${usable.length})` } : {};
  return { at, value: chosen.value, breached: breaches(check, chosen.value), ...series };
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ')}}`;
}

/** `above 0.05`, `below 10`, `above 0.5 or below 0.1`. */
function threshold(check: MetricCheck): string {
  const { above, below } = check.failWhen;
  return [above !== undefined && `above ${formatValue(above)}`, below !== undefined && `below ${formatValue(below)}`].filter(Boolean).join(' or ');
}

/** `0.42 above 0.05 at 12:00:03 UTC`, `0.01 at 12:00:03 UTC`, `no data at 12:00:03 UTC: …`. */
function describeMeasurement(check: MetricCheck, m: Measurement): string {
  const at = `at ${clockTime(m.at)}`;
  if (m.value === null) return `no data ${at}: ${m.note}`;
  const series = m.note ? ` for ${m.note}` : '';
  if (!m.breached) return `${formatValue(m.value)} ${at}${series}`;
  const { above } = check.failWhen;
  const side = above !== undefined && m.value > above ? `above ${formatValue(above)}` : `below ${formatValue(check.failWhen.below!)}`;
  return `${formatValue(m.value)} ${side} ${at}${series}`;
}

/** The decision once the whole window has been measured without too many breaches. */
function conclude(check: MetricCheck, measurements: Measurement[], result: (passed: boolean, message: string) => CheckResult): CheckResult {
  const window = `over ${formatValue(check.windowSeconds)} s`;
  const values = measurements.flatMap((m) => (m.value === null ? [] : [m.value]));
  const empty = measurements.length - values.length;
  if (values.length === 0) {
    const last = measurements.at(-1)?.note ?? 'no measurement';
    const verdict = check.inconclusive === 'pass' ? 'passed as configured' : 'failed';
    return result(check.inconclusive === 'pass', `${check.name}: no data ${window} (${count(measurements.length, 'measurement')}; last: ${last}); inconclusive, ${verdict}`);
  }
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const range = low === high ? formatValue(low) : `between ${formatValue(low)} and ${formatValue(high)}`;
  const breached = measurements.filter((m) => m.breached).length;
  const tolerated = breached ? `${breached} of ${count(measurements.length, 'measurement')} ${threshold(check)} (${check.failureLimit} allowed)` : `never ${threshold(check)}`;
  const gaps = empty ? `; ${empty} without data` : '';
  return result(true, `${check.name} ${range} ${window}, ${tolerated} (${count(measurements.length, 'measurement')}${gaps})`);
}
