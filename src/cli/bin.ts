/** The process entry point: runs the CLI on this process's arguments and exits with its code. */
import { setFlagsFromString } from 'node:v8';
import { trace } from '../trace.js';

// The embedded store is PostgreSQL compiled to WebAssembly. V8 recompiles the functions that run
// often with its optimizing compiler, on background threads; a command that opens the store once
// spent more CPU on that (about a second) than it ever won back. Ten times V8's budget leaves a
// short command on the baseline code, and a server still optimizes what it runs all day. Set
// before anything compiles WebAssembly.
setFlagsFromString('--wasm-tiering-budget=18000000');

trace('cli loaded');
const { main } = await import('./main.js');
trace('cli modules loaded');

process.exitCode = await main(process.argv);
const { user, system } = process.cpuUsage();
trace(`done, ${((user + system) / 1e6).toFixed(2)} CPU s in this process`);
