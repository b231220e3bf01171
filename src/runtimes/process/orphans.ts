/**
 * Finding the runtime's own orphans: a process spawned just before the orchestrator was killed,
 * whose pid never reached its instance record. Every instance carries `SLIPWAY_STATE_DIR` in its
 * environment; a process with ours whose process group is no recorded instance is an orphan.
 */
import { readdir, readFile } from 'node:fs/promises';

/** The environment variable that marks a process as started by the runtime with this state dir. */
export const STATE_DIR_VARIABLE = 'SLIPWAY_STATE_DIR';

/** Process-group leaders carrying `stateDir`'s mark whose group is not in `known`. Never throws. */
export async function findOrphans(stateDir: string, known: ReadonlySet<number>): Promise<number[]> {
  const mark = `${STATE_DIR_VARIABLE}=${stateDir}\0`;
  const orphans = new Set<number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (!`${environ}\0`.includes(mark)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const group = Number(fields[2]); // field 5: process group
      if (fields[0] !== 'Z' && !known.has(group)) orphans.add(group);
    } catch {
      // gone, or not ours to read
    }
  }
  return [...orphans];
}

/** Kills each orphan's whole process group. Ignores groups already gone. */
export function killOrphans(groups: readonly number[]): void {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
