/**
 * The test Prometheus: it starts on 127.0.0.1, scrapes loopback targets with their labels,
 * switches targets on reload, refuses targets off loopback, and leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { queryPrometheus, type PrometheusSample } from '../../src/verification/prometheus.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';

/** A loopback server whose /metrics exposes `slipway_test_value <value>`. */
async function exporter(value: number): Promise<{ target: string; server: Server }> {
  const server = createServer((_, res) => res.end(`# TYPE slipway_test_value gauge\nslipway_test_value ${value}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { target: `127.0.0.1:${address.port}`, server };
}

/** Queries until the result is non-empty (scrapes land once a second); fails after 60 s. */
async function scraped(url: string, query: string): Promise<PrometheusSample[]> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
    const samples = await queryPrometheus(url, query);
    if (samples.length) return samples;
  }
  throw new Error(`no data for ${query} within 60 s`);
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

describe('startPrometheus', () => {
  it('scrapes loopback targets with their labels, switches targets on reload, and stop removes everything', async () => {
    const [a, b] = [await exporter(7), await exporter(42)];
    cleanup.push(() => a.server.close(), () => b.server.close());
    const prometheus: PrometheusServer = await startPrometheus({ scrapeTargets: [{ job: 'a', targets: [a.target], labels: { service: 'alpha' } }] });
    cleanup.push(() => prometheus.stop());
    expect(new URL(prometheus.url).hostname).toBe('127.0.0.1');

    const [first] = await scraped(prometheus.url, 'slipway_test_value');
    expect(first).toEqual({ labels: expect.objectContaining({ job: 'a', service: 'alpha', instance: a.target }), value: 7 });

    await prometheus.reload([{ job: 'b', targets: [b.target] }]);
    const [second] = await scraped(prometheus.url, 'slipway_test_value{job="b"}');
    expect(second?.value).toBe(42);
    const targets = (await (await fetch(`${prometheus.url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { scrapeUrl: string }[] } };
    expect(targets.data.activeTargets.map((t) => t.scrapeUrl)).toEqual([`http://${b.target}/metrics`]);

    const configDir = (await (await fetch(`${prometheus.url}/api/v1/status/flags`)).json()) as { data: Record<string, string> };
    const dir = configDir.data['storage.tsdb.path']!.replace(/\/data$/, '');
    expect(existsSync(dir)).toBe(true);
    await prometheus.stop();
    await prometheus.stop();
    expect(existsSync(dir)).toBe(false);
    await expect(fetch(`${prometheus.url}/-/ready`)).rejects.toThrow();
  });

  it('refuses a scrape target that is not on loopback, before starting anything', async () => {
    await expect(startPrometheus({ scrapeTargets: [{ job: 'x', targets: ['10.0.0.1:9100'] }] })).rejects.toThrow(/not host:port on 127\.0\.0\.1/);
  });

  it('names the package to install when prometheus is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startPrometheus({ scrapeTargets: [] })).rejects.toThrow('apt-get install prometheus');
    } finally {
      process.env.PATH = path;
    }
  });
});
