/**
 * The kernel's process accounting (acct(2), BSD v3 records) around a piece of a benchmark: every
 * process that ends meanwhile, machine-wide, with its command name and user. A benchmark uses
 * it to count what a deploy starts on hosts, where each process costs a few ms of CPU on a small VM.
 * It needs root and python3 (which makes the one system call), and it switches off any accounting
 * the machine had on: benchmarks use it only when asked (`SLIPWAY_BENCH_PROCESSES=1`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * One ended process. Its record also holds CPU, but cut to whole hundredths: summed over short
 * processes it misleads, so benchmarks count processes instead.
 */
export interface EndedProcess {
  readonly command: string;
  readonly uid: number;
}

const RECORD_BYTES = 64;
/** Python that switches accounting into `file` on (exiting with errno when refused), or off with null. */
const ACCT = (file: string | null) =>
  `import ctypes; libc = ctypes.CDLL(None, use_errno=True)
if libc.acct(${file === null ? 'None' : `${JSON.stringify(file)}.encode()`}) != 0: exit(ctypes.get_errno())`;

/** Starts accounting into `file` (emptied); `stop()` ends it and returns what ended meanwhile. */
export function accountProcesses(file: string): { stop(): EndedProcess[] } {
  writeFileSync(file, '');
  execFileSync('python3', ['-c', ACCT(file)]);
  return {
    stop() {
      execFileSync('python3', ['-c', ACCT(null)]);
      const data = readFileSync(file);
      rmSync(file);
      const ended: EndedProcess[] = [];
      for (let at = 0; at + RECORD_BYTES <= data.length; at += RECORD_BYTES) {
        if (data[at + 1] !== 3) continue; // not a v3 record
        const comm = data.subarray(at + 48, at + 64);
        const end = comm.indexOf(0);
        ended.push({ command: comm.subarray(0, end < 0 ? 16 : end).toString('latin1'), uid: data.readUInt32LE(at + 8) });
      }
      return ended;
    },
  };
}

/** How many processes ran each command, most first: `sh 180, grep 164, …`. */
export function countByCommand(processes: readonly EndedProcess[]): string {
  const counts = new Map<string, number>();
  for (const p of processes) counts.set(p.command, (counts.get(p.command) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([command, n]) => `${command} ${n}`).join(', ');
}
