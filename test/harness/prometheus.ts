/**
 * Prometheus for tests: Debian's `prometheus` with its configuration and storage in a temporary
 * directory, listening on 127.0.0.1 at a free port, scraping loopback targets every second (by
 * default), stopped by its pid. A missing binary fails loudly, naming the package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/runtimes/kit/ports.js';
import { requireProgram, stopChild } from './podman.js';

/** One scrape job: `host:port` targets (loopback only) and labels added to every series. */
export interface ScrapeTarget {
  readonly job: string;
  readonly targets: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

/** A running Prometheus. */
export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Replaces the scrape jobs; resolves once Prometheus scrapes exactly these targets (Prometheus 2.42 applies target changes every 5 s). */
  reload(targets: readonly ScrapeTarget[]): Promise<void>;
  /** Stops Prometheus by its pid and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/** Starts Prometheus scraping `scrapeTargets`; resolves once `/-/ready` answers 200 (the first scrape follows up to 5 s later). */
export async function startPrometheus(options: { scrapeTargets: readonly ScrapeTarget[]; scrapeIntervalSeconds?: number }): Promise<PrometheusServer> {
  const prometheus = requireProgram('prometheus', 'prometheus');
  const interval = options.scrapeIntervalSeconds ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const writeConfig = (targets: readonly ScrapeTarget[]) => writeFileSync(configFile, config(targets, interval));
  try {
    writeConfig(options.scrapeTargets);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle', '--log.level=warn'];
    const child = spawn(prometheus, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8_000)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(child, url, () => log);
    } catch (error) {
      await stopChild(child);
      if (attempt < 3 && String(error).includes('address already in use')) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    let stopping: Promise<void> | undefined;
    return {
      url,
      async reload(targets) {
        writeConfig(targets);
        const answer = await fetch(`${url}/-/reload`, { method: 'POST' });
        if (!answer.ok) throw new Error(`Prometheus refused the new configuration (HTTP ${answer.status}): ${await answer.text()}`);
        await waitForTargets(url, targets);
      },
      stop: () => (stopping ??= stopChild(child).finally(() => rmSync(dir, { recursive: true, force: true }))),
    };
  }
}

/** The configuration file (JSON, which is YAML) for these jobs. Throws for a target off loopback. */
function config(targets: readonly ScrapeTarget[], intervalSeconds: number): string {
  for (const target of targets.flatMap((job) => job.targets)) {
    if (!/^(127\.0\.0\.1|localhost):\d+$/.test(target)) throw new Error(`scrape target ${target} is not host:port on 127.0.0.1: tests scrape loopback only`);
  }
  const every = `${intervalSeconds}s`;
  return JSON.stringify({
    global: { scrape_interval: every, scrape_timeout: every, evaluation_interval: every },
    scrape_configs: targets.map((job) => ({ job_name: job.job, static_configs: [{ targets: job.targets, labels: job.labels ?? {} }] })),
  });
}

/** Polls `/-/ready`; rejects with Prometheus's log when it exits or is not ready in time. */
async function waitReady(child: ChildProcess, url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`prometheus was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${log()}`);
}

/** Resolves once the active targets are exactly `targets` (a reload applies them asynchronously). */
async function waitForTargets(url: string, targets: readonly ScrapeTarget[]): Promise<void> {
  const want = targets.flatMap((job) => job.targets.map((t) => `${job.job} ${t}`)).sort().join(',');
  let have = '';
  for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { scrapePool: string; labels: { instance: string } }[] } };
    have = body.data.activeTargets.map((t) => `${t.scrapePool} ${t.labels.instance}`).sort().join(',');
    if (have === want) return;
  }
  throw new Error(`Prometheus still scrapes [${have}] instead of [${want}] ${READY_TIMEOUT_MS / 1000} s after a reload`);
}
