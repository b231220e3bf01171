/**
 * `npm run bench [-- <name>…]`: runs every `bench/*.bench.ts` (or the named ones) one after the
 * other and prints a table of results against the design's targets, as ratios (value / target;
 * under 1 meets the target). Exits 2 for an unknown name; timings are reported, never asserted.
 */
import { readdir } from 'node:fs/promises';
import type { Benchmark, Result } from './types.js';

const benchDir = new URL('./', import.meta.url);

/** Every benchmark in this directory, by name. */
async function discover(): Promise<Benchmark[]> {
  const files = (await readdir(benchDir)).filter((file) => file.endsWith('.bench.ts')).sort();
  const modules = await Promise.all(files.map((file) => import(new URL(file, benchDir).href) as Promise<{ default: Benchmark }>));
  return modules.map((module) => module.default);
}

/** Markdown table rows, readable in a terminal and pasteable into BENCHMARKS.md. */
export function formatTable(rows: readonly (Result & { benchmark: string })[]): string {
  const header = ['benchmark', 'measure', 'value', 'target', 'ratio'];
  const body = rows.map((r) => [
    r.benchmark,
    r.measure,
    `${format(r.value)} ${r.unit}`,
    r.target === undefined ? '' : `${format(r.target)} ${r.unit}`,
    r.target === undefined ? '' : `${(r.value / r.target).toFixed(3)} ${r.value <= r.target ? '✓' : '✗'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Whole numbers with separators; others to one decimal, or to three significant digits below 10 (a ratio of 0.112 is not "0.1"). */
function format(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) < 10 ? String(Number(value.toPrecision(3))) : value.toFixed(1);
}

async function main(names: readonly string[]): Promise<number> {
  const all = await discover();
  const unknown = names.filter((name) => !all.some((b) => b.name === name));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; available: ${all.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const chosen = names.length ? all.filter((b) => names.includes(b.name)) : all;
  const rows: (Result & { benchmark: string })[] = [];
  for (const benchmark of chosen) {
    console.error(`running ${benchmark.name}: ${benchmark.description}…`);
    for (const result of await benchmark.run()) rows.push({ benchmark: benchmark.name, ...result });
  }
  console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
  console.log(formatTable(rows));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
