/**
 * What each target was last seen running. Decisions (deploy, down, promotion checks, the reconcile
 * loop's corrections) observe a target live; displays (status, a cell's actions, metrics) accept an
 * observation up to two seconds old, so a page refreshing on every event does not open a channel to
 * every SSH host or probe every container each time. A watched target's observation (see
 * `watched`) is kept as current whatever its age: the observe loop observes it again whenever the
 * target tells of a change or a link to it is made or lost. Applying or removing anything on a
 * target forgets its observation, before and after, so the next read after a change observes it again;
 * while a change is under way (`changing`), a watched target's kept observation counts as current
 * only for `maxAgeMs`, like any other.
 */
import type { ObservedUnit } from '../desired/types.js';
import type { RuntimeAdapter } from '../runtimes/index.js';

/** One observation of a target: its units, their JSON texts (to tell a change), and when it began. */
export interface Observation {
  readonly units: readonly ObservedUnit[];
  /** `JSON.stringify` of each unit, in the order of `units`. */
  readonly unitTexts: readonly string[];
  /** `JSON.stringify(units)`. */
  readonly text: string;
  readonly at: number;
}

export class Observations {
  readonly #kept = new Map<string, Observation>();
  /** Display reads under way, shared by callers that ask at the same moment. */
  readonly #reading = new Map<string, Promise<Observation>>();
  /** Bumped by `forget`, so that a read begun before a change is not kept after it. */
  readonly #epochs = new Map<string, number>();
  /** Targets whose changes are told as they happen (the observe loop watches them). */
  readonly #watched = new Set<string>();
  /** Changes (apply, remove) under way, by target. */
  readonly #changes = new Map<string, number>();
  #generation = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Changes whenever what some target runs is seen to differ from before, or is forgotten. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Observes `target` now through `adapter` and keeps the answer, unless the target changed
   * meanwhile or a read begun later was kept first.
   */
  async observe(target: string, adapter: RuntimeAdapter): Promise<Observation> {
    const epoch = this.#epochs.get(target) ?? 0;
    const at = this.now();
    const units = await adapter.observe();
    const seen = reusingKept(this.#kept.get(target), units, await textsOf(units), at);
    if ((this.#epochs.get(target) ?? 0) === epoch && (this.#kept.get(target)?.at ?? -Infinity) <= at) {
      if (this.#kept.get(target)?.text !== seen.text) this.#generation++;
      this.#kept.set(target, seen);
    }
    return seen;
  }

  /**
   * The kept observation of `target` when it is watched or at most `maxAgeMs` old; otherwise one
   * read now, shared by concurrent callers.
   */
  recent(target: string, adapter: RuntimeAdapter, maxAgeMs: number): Promise<Observation> {
    const kept = this.#kept.get(target);
    if (kept && (this.current(target) || this.now() - kept.at <= maxAgeMs)) return Promise.resolve(kept);
    const reading = this.#reading.get(target);
    if (reading) return reading;
    const read = this.observe(target, adapter).finally(() => {
      if (this.#reading.get(target) === read) this.#reading.delete(target);
    });
    this.#reading.set(target, read);
    return read;
  }

  /**
   * The kept observation of `target` when it is current whatever its age: the target is watched
   * (it tells of every change) and no apply or remove is under way on it here. Undefined otherwise.
   */
  current(target: string): Observation | undefined {
    return this.#watched.has(target) && !this.changing(target) ? this.#kept.get(target) : undefined;
  }

  /** The kept observation of `target`, however old; undefined when none is kept. */
  last(target: string): Observation | undefined {
    return this.#kept.get(target);
  }

  /**
   * Says whether `target` is watched: while it is, whoever watches it observes it again on every
   * change told, and `recent` answers its kept observation whatever its age.
   */
  watched(target: string, watched: boolean): void {
    if (watched) this.#watched.add(target);
    else this.#watched.delete(target);
  }

  /** True while an apply or a remove on `target` is under way (see {@link changingOn}). */
  changing(target: string): boolean {
    return (this.#changes.get(target) ?? 0) > 0;
  }

  /**
   * `adapter`, except that `apply` and `remove` count as a change of `target` while they run, and
   * forget its observation before they start and after they end. Every other member (`observe`,
   * `logs`, `close`, …) is the adapter's own, bound to it.
   */
  changingOn<T extends RuntimeAdapter>(target: string, adapter: T): T {
    const around =
      <A extends unknown[]>(change: (...args: A) => Promise<void>) =>
      async (...args: A): Promise<void> => {
        this.#changes.set(target, (this.#changes.get(target) ?? 0) + 1);
        this.forget(target);
        try {
          await change.apply(adapter, args);
        } finally {
          this.#changes.set(target, this.#changes.get(target)! - 1);
          this.forget(target);
        }
      };
    const changes: Partial<Record<PropertyKey, unknown>> = { apply: around(adapter.apply), remove: around(adapter.remove) };
    return new Proxy(adapter, {
      get(inner, property) {
        if (Object.hasOwn(changes, property)) return changes[property];
        const value: unknown = Reflect.get(inner, property, inner);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
      },
    });
  }

  /** Drops what is kept of `target` (and any display read under way): the next read observes it. */
  forget(target: string): void {
    this.#epochs.set(target, (this.#epochs.get(target) ?? 0) + 1);
    this.#reading.delete(target);
    if (this.#kept.delete(target)) this.#generation++;
  }
}

/**
 * The observation of `units` (with their `texts`) made at `at`, holding the kept objects wherever
 * they are the same: the kept observation itself when every text is, else each unit whose text is
 * the kept one's at the same place. Runtimes answer in unit-key order, so what a pass of an
 * unchanged target allocates dies young, and observing thousands of units every second costs the
 * garbage collector little.
 */
function reusingKept(kept: Observation | undefined, units: readonly ObservedUnit[], texts: string[], at: number): Observation {
  const same = (i: number) => kept !== undefined && texts[i] === kept.unitTexts[i];
  if (kept && units.length === kept.units.length && texts.every((_, i) => same(i))) return { ...kept, at };
  const reused = units.map((unit, i) => (same(i) ? kept!.units[i]! : unit));
  const unitTexts = texts.map((text, i) => (same(i) ? kept!.unitTexts[i]! : text));
  return { units: reused, unitTexts, text: `[${unitTexts.join(',')}]`, at };
}

/** Units serialized between two turns of the event loop: a few milliseconds of work. */
const UNITS_PER_TURN = 200;

/**
 * `JSON.stringify` of each unit, letting the event loop turn between batches, so that observing
 * thousands of units never holds up a request for longer than one batch.
 */
async function textsOf(units: readonly ObservedUnit[]): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < units.length; i += UNITS_PER_TURN) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const unit of units.slice(i, i + UNITS_PER_TURN)) texts.push(JSON.stringify(unit));
  }
  return texts;
}
