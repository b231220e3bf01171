import { describe, expect, it } from 'vitest';
import { ParkedSessions, type SetTimer } from './parked-sessions.js';

/** A session that counts how often it was ended. */
class FakeSession {
  ended = 0;
  closed = false;
  async end(): Promise<void> {
    this.ended++;
  }
}

describe('ParkedSessions', () => {
  let clock = 0;
  /** Timers that fire only when the test says so. */
  let timers: { fn: () => void; at: number; cancelled: boolean }[] = [];
  const setTimer: SetTimer = (fn, ms) => {
    const timer = { fn, at: clock + ms, cancelled: false };
    timers.push(timer);
    return () => void (timer.cancelled = true);
  };
  /** Moves the clock to `to` and fires the timers due by then. */
  const advance = (to: number) => {
    clock = to;
    for (const timer of timers.filter((t) => !t.cancelled && t.at <= clock)) {
      timer.cancelled = true;
      timer.fn();
    }
  };
  const parking = () => {
    clock = 0;
    timers = [];
    return new ParkedSessions<FakeSession>(5_000, () => clock, setTimer);
  };

  it('hands a parked session to the next change, once, without ending it', () => {
    const parked = parking();
    const a = new FakeSession();
    parked.park(0, a, parked.reading());
    expect(parked.changing()).toEqual(new Map([[0, a]]));
    parked.changed();
    expect(parked.changing().size).toBe(0);
    advance(60_000);
    expect(a.ended).toBe(0);
  });

  it('hands no session whose channel closed while parked (its connection dropped), and ends it', () => {
    const parked = parking();
    const [dropped, open] = [new FakeSession(), new FakeSession()];
    parked.park(0, dropped, parked.reading());
    parked.park(1, open, parked.reading());
    dropped.closed = true;
    expect(parked.changing()).toEqual(new Map([[1, open]]));
    expect([dropped.ended, open.ended]).toEqual([1, 0]);
  });

  it('ends a session listed while a change was under way, or across a change that began or ended meanwhile', () => {
    const parked = parking();
    const [during, straddling, before] = [new FakeSession(), new FakeSession(), new FakeSession()];
    parked.changing();
    parked.park(0, during, parked.reading());
    const straddled = parked.reading(); // undefined too: the change is still under way
    parked.changed();
    parked.park(1, straddling, straddled);
    const read = parked.reading();
    parked.changing();
    parked.changed();
    parked.park(2, before, read);
    expect([during.ended, straddling.ended, before.ended]).toEqual([1, 1, 1]);
    expect(parked.changing().size).toBe(0);
  });

  it('ends a session once it is older than maxAgeMs, by its timer, and hands over only younger ones', () => {
    const parked = parking();
    const [old, young] = [new FakeSession(), new FakeSession()];
    parked.park(0, old, parked.reading());
    advance(3_000);
    parked.park(1, young, parked.reading());
    advance(5_000);
    expect([old.ended, young.ended]).toEqual([0, 0]);
    advance(5_001);
    expect([old.ended, young.ended]).toEqual([1, 0]);
    expect([...parked.changing().values()]).toEqual([young]);
  });

  it('a change ends what it does not take: sessions its clock finds too old though their timers were late', () => {
    const parked = parking();
    const late = new FakeSession();
    parked.park(0, late, parked.reading());
    clock = 5_001; // the timer has not fired yet
    expect(parked.changing().size).toBe(0);
    expect(late.ended).toBe(1);
  });

  it("ends a host's session when a later read's is parked, and an earlier read's that is parked last", () => {
    const parked = parking();
    const [first, second] = [new FakeSession(), new FakeSession()];
    parked.park(0, first, parked.reading());
    clock = 10;
    parked.park(0, second, parked.reading());
    expect([first.ended, second.ended]).toEqual([1, 0]);

    const earlier = parked.reading();
    clock = 20;
    const later = parked.reading();
    const [fresh, stale] = [new FakeSession(), new FakeSession()];
    parked.park(0, fresh, later);
    parked.park(0, stale, earlier);
    expect([second.ended, fresh.ended, stale.ended]).toEqual([1, 0, 1]);
    expect(parked.changing().get(0)).toBe(fresh);
    expect(timers.filter((t) => !t.cancelled)).toEqual([]);
  });

  it('close ends every parked session, and ends at once any parked after', async () => {
    const parked = parking();
    const [a, b, after] = [new FakeSession(), new FakeSession(), new FakeSession()];
    parked.park(0, a, parked.reading());
    parked.park(1, b, parked.reading());
    await parked.close();
    parked.park(2, after, parked.reading());
    expect([a.ended, b.ended, after.ended]).toEqual([1, 1, 1]);
    expect(parked.changing().size).toBe(0);
  });

  it('by default expires on an unref’d timer of its own', async () => {
    const parked = new ParkedSessions<FakeSession>(1);
    const session = new FakeSession();
    parked.park(0, session, parked.reading());
    await expect.poll(() => session.ended).toBe(1);
  });
});
