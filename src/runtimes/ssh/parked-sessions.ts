/**
 * Sessions an observation opened and listed (`session.ts`), kept open for the apply that follows:
 * a deployment observes every host to plan, then applies at once, and a second channel per host
 * would cost each host a second login shell and listing before the upload. A session is handed to
 * at most one change, only when it was listed for a read that began while nothing was being
 * changed on the target with nothing begun or ended since, and only while that read is at most
 * `maxAgeMs` old. Every session not handed over is ended: when it expires (by a timer, so an idle
 * runtime holds no channel), when a later read supersedes it, when a change begins without taking
 * it, and on close. What changes in that window on a host itself (a crash, the supervisor's
 * restart) the roll script copes with as it would a moment later: it starts what does not run.
 */

/** What can be parked: a session that can be ended (idempotently, never rejecting), and tells when it has closed. */
export interface Endable {
  end(): Promise<void>;
  readonly closed: boolean;
}

/** Calls `fn` after `ms` without keeping the process alive; returns what cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** The default {@link SetTimer}: a `setTimeout` that does not keep the process alive. */
export const unrefTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** When a read began, and how many changes had begun or ended by then. */
export interface ReadStamp {
  readonly at: number;
  readonly changes: number;
}

interface Parked<S> {
  readonly session: S;
  readonly stamp: ReadStamp;
  /** Cancels its expiry. */
  cancel: () => void;
}

export class ParkedSessions<S extends Endable> {
  /** Changes (applies, removals) begun or ended so far. */
  #changes = 0;
  #underway = 0;
  #closed = false;
  readonly #parked = new Map<number, Parked<S>>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
    private readonly setTimer: SetTimer = unrefTimer,
  ) {}

  /** Call as a read of the hosts begins; undefined when a change is under way (what it lists is not parked). */
  reading(): ReadStamp | undefined {
    return this.#underway === 0 ? { at: this.now(), changes: this.#changes } : undefined;
  }

  /**
   * Parks `session`, which host `index` listed for the read stamped `stamp`, ending the one parked
   * for that host before; ends `session` at once instead when it may not serve (see the module
   * comment) or a later read's is parked. Never blocks.
   */
  park(index: number, session: S, stamp: ReadStamp | undefined): void {
    const held = this.#parked.get(index);
    const serves = !this.#closed && stamp?.changes === this.#changes && !(held && held.stamp.at > stamp.at);
    if (!serves) return void session.end();
    if (held) void this.unpark(index, held)?.end();
    const parked: Parked<S> = { session, stamp, cancel: () => {} };
    this.#parked.set(index, parked);
    const dueInMs = stamp.at + this.maxAgeMs + 1 - this.now(); // the first millisecond it is older than maxAgeMs
    parked.cancel = this.setTimer(() => void this.unpark(index, parked)?.end(), Math.max(0, dueInMs));
  }

  /**
   * Call as a change begins: returns the parked sessions recent enough and still open (a dropped
   * connection closes one), by host index, for the change to continue (and end), and ends every other. Call {@link changed} when it ends, however it ends.
   */
  changing(): ReadonlyMap<number, S> {
    const now = this.now();
    const handed = new Map<number, S>();
    for (const [index, parked] of this.#parked) {
      const session = this.unpark(index, parked)!;
      if (now - parked.stamp.at <= this.maxAgeMs && !session.closed) handed.set(index, session);
      else void session.end();
    }
    this.#underway++;
    this.#changes++;
    return handed;
  }

  /** Call as a change ends. */
  changed(): void {
    this.#underway--;
    this.#changes++;
  }

  /** Ends every parked session and parks none from now on; resolves once they have ended. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#parked].map(([index, parked]) => this.unpark(index, parked)!.end()));
  }

  /** Takes `parked` out (its timer cancelled) if it is still the one parked for host `index`. */
  private unpark(index: number, parked: Parked<S>): S | undefined {
    if (this.#parked.get(index) !== parked) return undefined;
    this.#parked.delete(index);
    parked.cancel();
    return parked.session;
  }
}
