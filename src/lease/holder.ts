/**
 * Who holds a lease: one process, named by its host, pid and start time, so that a holder can be
 * told dead without waiting for its lease to expire. A pid alone is not enough: after a SIGKILL
 * the pid may be a zombie, or the kernel may have given it to another process.
 */
import { hostname } from 'node:os';
import { processStartTimeSync } from '../proc-stat.js';

export interface Holder {
  readonly host: string;
  readonly pid: number;
  /** `/proc/<pid>/stat` start time in clock ticks since boot; null where it cannot be read. */
  readonly startTime: number | null;
}

/** This process. */
export function thisProcess(): Holder {
  return { host: hostname(), pid: process.pid, startTime: processStartTimeSync(process.pid) };
}

/** `host/pid/startTime`, as a lease row stores it. */
export function holderId(holder: Holder): string {
  return `${holder.host}/${holder.pid}/${holder.startTime ?? '-'}`;
}

/** The holder an id names; undefined for text no `holderId` wrote. */
export function parseHolder(id: string): Holder | undefined {
  const match = /^(.+)\/(\d+)\/(\d+|-)$/.exec(id);
  if (!match) return undefined;
  return { host: match[1]!, pid: Number(match[2]), startTime: match[3] === '-' ? null : Number(match[3]) };
}

/**
 * True when the holder is known to be gone: it ran on this host and its pid now names no live
 * process, a zombie, or a process that started at another time. A holder on another host is
 * never known dead here: its lease must expire. Never throws.
 */
export function knownDead(id: string, here: Holder = thisProcess()): boolean {
  const holder = parseHolder(id);
  if (!holder || holder.host !== here.host) return false;
  const startTime = processStartTimeSync(holder.pid);
  return startTime === null || (holder.startTime !== null && startTime !== holder.startTime);
}
