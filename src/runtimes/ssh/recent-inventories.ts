/**
 * Hosts' inventories as an observation just read them, for the apply that follows: a deployment
 * observes every host to plan, then applies at once, and reading every host a second time (a
 * dozen processes on each) would be most of what the hosts spend before the upload. An
 * inventory is handed to at most one apply, only when it was read while nothing was being
 * changed on the target and nothing began or ended since, and only while it is at most
 * `maxAgeMs` old. What changes in that window on a host itself (a crash, the supervisor's
 * restart) the roll script copes with as it would a moment later: it starts what does not run.
 */
import type { Inventory } from './remote.js';

/** When a read began, and how many changes had begun or ended by then. */
export interface ReadStamp {
  readonly at: number;
  readonly changes: number;
}

export class RecentInventories {
  /** Changes (applies, removals) begun or ended so far. */
  #changes = 0;
  #underway = 0;
  readonly #kept = new Map<number, { readonly inventory: Inventory; readonly stamp: ReadStamp }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  /** Call as a read of the hosts begins; undefined when a change is under way (what it reads is not kept). */
  reading(): ReadStamp | undefined {
    return this.#underway === 0 ? { at: this.now(), changes: this.#changes } : undefined;
  }

  /** Keeps what host `index` answered to the read stamped `stamp`, unless a change began or ended since, or a later read is kept. */
  keep(index: number, inventory: Inventory, stamp: ReadStamp | undefined): void {
    if (!stamp || stamp.changes !== this.#changes || (this.#kept.get(index)?.stamp.at ?? -Infinity) > stamp.at) return;
    this.#kept.set(index, { inventory, stamp });
  }

  /**
   * Call as a change begins: returns the kept inventories recent enough, by host index, and forgets
   * every one (each serves one change). Call {@link changed} when it ends, however it ends.
   */
  changing(): ReadonlyMap<number, Inventory> {
    const now = this.now();
    const recent = new Map<number, Inventory>();
    for (const [index, { inventory, stamp }] of this.#kept) if (now - stamp.at <= this.maxAgeMs) recent.set(index, inventory);
    this.#kept.clear();
    this.#underway++;
    this.#changes++;
    return recent;
  }

  /** Call as a change ends. */
  changed(): void {
    this.#underway--;
    this.#changes++;
  }
}
