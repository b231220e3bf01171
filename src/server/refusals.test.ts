import { describe, expect, it } from 'vitest';
import { RefusalLimiter, RefusalRecorder, type Refusal, type RefusalEvent } from './refusals.js';

const refusal = (actor: string, route = '/api/v1/decisions'): Refusal => ({ actor, method: 'POST', route, status: 403, reason: `${actor} may not`, remote: '127.0.0.1' });
const limits = { windowMs: 60_000, perKey: 2, total: 5 };

describe('RefusalLimiter', () => {
  it('records a few refusals per caller and route a minute, then one summary of the rest', () => {
    const limiter = new RefusalLimiter(limits);
    const recorded = Array.from({ length: 10 }, (_, i) => limiter.admit(refusal('mallory'), i * 1000)).flat();
    expect(recorded.map((e) => e.message)).toEqual([
      'refused POST /api/v1/decisions (403) from 127.0.0.1: mallory may not',
      'refused POST /api/v1/decisions (403) from 127.0.0.1: mallory may not',
    ]);
    expect(limiter.flush(59_999)).toEqual([]);
    const [summary, ...rest] = limiter.flush(60_000);
    expect(rest).toEqual([]);
    expect(summary).toMatchObject({ type: 'access.denied', actor: 'mallory', data: { held: 8, route: '/api/v1/decisions' } });
    expect(summary!.message).toBe('refused 8 more requests of mallory to POST /api/v1/decisions in the last 60 s, not recorded one by one');
  });

  it('caps all callers together, so rotating names cannot flood the log', () => {
    const limiter = new RefusalLimiter(limits);
    const recorded = Array.from({ length: 100 }, (_, i) => limiter.admit(refusal(`caller-${i}`), i)).flat();
    expect(recorded).toHaveLength(5);
    expect(limiter.flush(60_000)).toHaveLength(95);
  });

  it('starts a new window after the last one ended, giving its summaries first', () => {
    const limiter = new RefusalLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.admit(refusal('eve'), i);
    const next = limiter.admit(refusal('eve'), 70_000);
    expect(next.map((e) => e.data.held ?? 'own')).toEqual([1, 'own']);
  });
});

describe('RefusalRecorder', () => {
  it('writes the summaries when it closes, and survives a failing append', async () => {
    const written: RefusalEvent[] = [];
    let fail = true;
    const recorder = new RefusalRecorder(async (event) => {
      if (fail) {
        fail = false;
        throw new Error('store closed');
      }
      written.push(event);
    }, limits);
    for (let i = 0; i < 4; i++) recorder.record(refusal('trudy'));
    recorder.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.map((e) => e.data.held ?? 'own')).toEqual(['own', 2]);
  });
});
