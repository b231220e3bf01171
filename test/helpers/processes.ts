/** This machine's processes, read from /proc, for tests that must leave nothing running. */
import { readdirSync, readFileSync } from 'node:fs';

/** A process's `/proc/<pid>/<file>`, or undefined once it has gone. */
function procFile(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

const pids = () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid);

/** Pids of processes whose command line mentions `text`, but for this test process. */
export function processesMentioning(text: string): number[] {
  return pids()
    .filter((pid) => procFile(pid, 'cmdline')?.includes(text))
    .map(Number);
}

/** Whether a process of process group `pgid` runs; a zombie (which this machine's init may never reap) does not. */
export function groupRuns(pgid: number): boolean {
  return pids().some((pid) => {
    const stat = procFile(pid, 'stat');
    const [state, , group] = stat?.slice(stat.lastIndexOf(')') + 2).split(' ') ?? [];
    return Number(group) === pgid && state !== 'Z';
  });
}
