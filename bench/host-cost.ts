/**
 * What a group of processes costs the machine over a window, counted by the kernel rather than
 * sampled: CPU time through a cgroup-v1 `cpuacct` group (every process forked inside it stays in
 * it, including those that exited or left their parent, as daemons do), and tasks created through
 * `perf` tracing `sched_process_fork` and `sched_process_exec` machine-wide, kept to the group's
 * descendants by following parent pids from the tasks in the group when the window opens. Needs
 * root, the `cpuacct` controller mounted at /sys/fs/cgroup/cpuacct, and `perf` (linux-perf).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CPUACCT = '/sys/fs/cgroup/cpuacct';

/** A cpuacct group of processes: those moved into it and everything they start afterwards. */
export class CpuGroup {
  readonly path: string;

  constructor(name: string) {
    this.path = join(CPUACCT, `slipway-${process.pid}-${name}`);
    try {
      mkdirSync(this.path);
    } catch (error) {
      throw new Error(`cannot make cgroup ${this.path} (needs root and the cpuacct controller): ${(error as Error).message}`);
    }
  }

  /** Moves process `pid` (every thread of it) into the group. */
  add(pid: number): void {
    writeFileSync(join(this.path, 'cgroup.procs'), `${pid}\n`);
  }

  /** CPU time used by the group's processes since it was made, in seconds. */
  cpuSeconds(): number {
    return Number(readFileSync(join(this.path, 'cpuacct.usage'), 'utf8')) / 1e9;
  }

  /** Every task (thread) in the group now. */
  tasks(): number[] {
    return readFileSync(join(this.path, 'tasks'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** Moves what is left to the root group and deletes the group. Never throws. */
  remove(): void {
    try {
      for (const pid of readFileSync(join(this.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) writeFileSync(join(CPUACCT, 'cgroup.procs'), `${pid}\n`);
      rmdirSync(this.path);
    } catch {
      // gone already, or a process exited meanwhile: nothing to keep
    }
  }
}

/** Tasks started over a window by one group's processes and their descendants. */
export interface Spawned {
  /** Tasks created (`fork`/`clone`, threads included). */
  readonly forks: number;
  /** Programs started (`exec`). */
  readonly execs: number;
}

/** True when `perf` can trace scheduler events here. */
export function canTraceForks(): boolean {
  const probe = spawnSync('perf', ['stat', '-e', 'sched:sched_process_fork', '-a', 'true'], { encoding: 'utf8' });
  return probe.status === 0;
}

/**
 * Traces every fork and exec on the machine for `seconds`, and counts those descending from the
 * tasks `group` holds when the trace starts.
 */
export async function countSpawned(group: CpuGroup, seconds: number): Promise<Spawned> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-perf-'));
  const data = join(dir, 'perf.data');
  try {
    const roots = new Set(group.tasks());
    await new Promise<void>((resolve, reject) => {
      const perf = spawn('perf', ['record', '-q', '-e', 'sched:sched_process_fork', '-e', 'sched:sched_process_exec', '-a', '-o', data, '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      perf.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      perf.once('error', reject);
      perf.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited ${code}: ${stderr}`))));
    });
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'tid,event,trace'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
    return descendants(script.stdout, roots);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Counts, in `perf script` output, forks whose parent is in `family` (adding the child to it) and execs by its members. */
export function descendants(text: string, family: Set<number>): Spawned {
  let forks = 0;
  let execs = 0;
  for (const line of text.split('\n')) {
    const fork = /sched_process_fork:.*\bpid=(\d+) .*child_pid=(\d+)/.exec(line);
    if (fork) {
      if (family.has(Number(fork[1]))) {
        family.add(Number(fork[2]));
        forks++;
      }
      continue;
    }
    const exec = /^\s*(\d+)\s+sched:sched_process_exec:/.exec(line);
    if (exec && family.has(Number(exec[1]))) execs++;
  }
  return { forks, execs };
}
