/** The process entry point: runs the CLI on this process's arguments and exits with its code. */
import { setFlagsFromString } from 'node:v8';
import { trace } from '../trace.js';

/** Commands that run until stopped; every other one ends once it has done what it was asked. */
const SERVICES: ReadonlySet<string> = new Set(['server', 'up']);

/**
 * How much a WebAssembly function runs on V8's baseline code before V8 recompiles it with its
 * optimizing compiler, on background threads (V8's own default is 1,800,000). The embedded store
 * is PostgreSQL compiled to WebAssembly. A service optimizes what it runs all day. A command opens
 * the store once, and at ten times V8's budget it still spent about 0.35 CPU s more on optimizing
 * (`slipway history`: 1.3 against 0.9 user CPU s) than it ever won back: it stays on the baseline.
 */
const TIERING_BUDGET = { service: 18_000_000, command: 2_000_000_000 } as const;

/** Set before the command opens the store, which is when WebAssembly is first compiled. */
function beforeCommand(command: string): void {
  setFlagsFromString(`--wasm-tiering-budget=${SERVICES.has(command) ? TIERING_BUDGET.service : TIERING_BUDGET.command}`);
}

trace('cli loaded');
const { main } = await import('./main.js');
trace('cli modules loaded');

process.exitCode = await main(process.argv, undefined, { beforeCommand });
const { user, system } = process.cpuUsage();
trace(`done, ${((user + system) / 1e6).toFixed(2)} CPU s in this process`);
