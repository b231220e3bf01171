/**
 * Refused requests (401, 403, webhook deliveries whose proof fails) become audit events of their
 * own kind, `access.denied`: who, which route, why. A flood cannot fill the log: each caller and
 * route has a few events a minute, and all of them together a few dozen; what is held back is
 * told in one summary event per caller and route when the minute is over.
 */

/** One refused request. */
export interface Refusal {
  /** The token's holder, `anonymous`, or what the request claimed to be (`webhook:github`). */
  readonly actor: string;
  readonly method: string;
  /** The route's template, `/api/v1/decisions`; never the query, which may hold a credential. */
  readonly route: string;
  readonly status: number;
  /** The refusal's message, which names no secret. */
  readonly reason: string;
  /** The peer's address. */
  readonly remote: string;
}

/** An audit event to append (the store's `NewEvent`). */
export interface RefusalEvent {
  readonly type: typeof REFUSAL_EVENT;
  readonly actor: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The type of the audit events this module makes. */
export const REFUSAL_EVENT = 'access.denied';

export interface RefusalLimits {
  /** Length of a window in ms. */
  readonly windowMs: number;
  /** Events per caller and route in one window; more are counted, then summarised. */
  readonly perKey: number;
  /** Events in one window in all; more are counted, then summarised. */
  readonly total: number;
}

export const DEFAULT_REFUSAL_LIMITS: RefusalLimits = { windowMs: 60_000, perKey: 3, total: 50 };

/**
 * Decides which refusals become events. Pure apart from its own counts: `admit` says what to
 * record now; `flush` (at or after the window's end) gives the summaries of what was held back.
 */
export class RefusalLimiter {
  #windowStart: number | undefined;
  #recorded = 0;
  readonly #perKey = new Map<string, { refusal: Refusal; recorded: number; held: number }>();

  constructor(private readonly limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS) {}

  /** The events to record for `refusal` at `now`: its own, and the summaries of a window that ended. */
  admit(refusal: Refusal, now: number): RefusalEvent[] {
    const events = this.flush(now);
    this.#windowStart ??= now;
    const key = `${refusal.actor}\n${refusal.method} ${refusal.route}`;
    const entry = this.#perKey.get(key) ?? { refusal, recorded: 0, held: 0 };
    this.#perKey.set(key, entry);
    if (entry.recorded < this.limits.perKey && this.#recorded < this.limits.total) {
      entry.recorded++;
      this.#recorded++;
      events.push(refusalEvent(refusal));
    } else {
      entry.held++;
    }
    return events;
  }

  /** Summaries of the refusals held back, once the window that held them has ended at `now` (or at once with `force`); the window is then closed. */
  flush(now: number, force = false): RefusalEvent[] {
    if (this.#windowStart === undefined || (!force && now < this.#windowStart + this.limits.windowMs)) return [];
    const seconds = Math.round((now - this.#windowStart) / 1000);
    const summaries = [...this.#perKey.values()].filter((e) => e.held > 0).map((e) => summaryEvent(e.refusal, e.held, seconds));
    this.#windowStart = undefined;
    this.#recorded = 0;
    this.#perKey.clear();
    return summaries;
  }
}

function refusalEvent(r: Refusal): RefusalEvent {
  return {
    type: REFUSAL_EVENT,
    actor: r.actor,
    message: `refused ${r.method} ${r.route} (${r.status}) from ${r.remote}: ${r.reason}`,
    data: { method: r.method, route: r.route, status: r.status, reason: r.reason, remote: r.remote },
  };
}

function summaryEvent(r: Refusal, held: number, seconds: number): RefusalEvent {
  return {
    type: REFUSAL_EVENT,
    actor: r.actor,
    message: `refused ${held} more request${held === 1 ? '' : 's'} of ${r.actor} to ${r.method} ${r.route} in the last ${seconds} s, not recorded one by one`,
    data: { method: r.method, route: r.route, held, seconds },
  };
}

/**
 * Records refusals through `append`, limited by a `RefusalLimiter`; a timer (not keeping the
 * process alive) writes the summaries when a window ends. `append` failing loses only that event.
 */
export class RefusalRecorder {
  readonly #limiter: RefusalLimiter;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly append: (event: RefusalEvent) => Promise<unknown>,
    private readonly limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.#limiter = new RefusalLimiter(limits);
  }

  /** Records what the limiter admits; never throws. */
  record(refusal: Refusal): void {
    this.#write(this.#limiter.admit(refusal, this.now()));
    this.#timer ??= setTimeout(() => this.#flush(), this.limits.windowMs).unref();
  }

  /** Writes what is held back now and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#write(this.#limiter.flush(this.now(), true));
  }

  #flush(): void {
    this.#timer = undefined;
    this.#write(this.#limiter.flush(this.now(), true));
  }

  #write(events: readonly RefusalEvent[]): void {
    for (const event of events) void this.append(event).catch(() => undefined);
  }
}
