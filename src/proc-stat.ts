/**
 * Process identity from `/proc`: a pid alone can be reused by the kernel, so an instance is
 * identified by its pid *and* its start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot).
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

/** Start time of `pid` in clock ticks since boot, or null when no such live (non-zombie) process exists. Never throws. */
export async function processStartTime(pid: number): Promise<number | null> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Synchronous form of {@link processStartTime}, for the moment right after a spawn. */
export function processStartTimeSync(pid: number): number | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** True when `pid` is alive and is still the process that started at `startTime`. Never throws. */
export async function isSameProcess(pid: number, startTime: number): Promise<boolean> {
  return (await processStartTime(pid)) === startTime;
}

/**
 * Parses a `/proc/<pid>/stat` line. The command name (field 2) may contain spaces and parentheses,
 * so fields are counted from the last `)`. Zombies and dead processes count as gone (null).
 */
export function parseStat(stat: string): number | null {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  const state = rest[0];
  if (state === 'Z' || state === 'X' || state === 'x') return null;
  const start = Number(rest[19]);
  return Number.isSafeInteger(start) ? start : null;
}
