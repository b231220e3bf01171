/** The process entry point: runs the CLI on this process's arguments and exits with its code. */
import { trace } from '../trace.js';

trace('cli loaded');
const { main } = await import('./main.js');
trace('cli modules loaded');

process.exitCode = await main(process.argv);
