/** A watched link's events and waits: `lost` told once while down, the wait doubling to 30 s, reset once linked. */
import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../types.js';
import { FIRST_RETRY_MS, Link, MAX_RETRY_MS } from './link.js';

describe('Link', () => {
  it('tells lost once while the link stays down, doubles its wait up to the cap, and starts over once linked', () => {
    const told: WatchEvent[] = [];
    const link = new Link('h0', (event) => told.push(event), (reason) => `host h0: ${reason}`);
    const waits = Array.from({ length: 7 }, () => link.lost('connection refused'));
    expect(waits).toEqual([FIRST_RETRY_MS, 2_000, 4_000, 8_000, 16_000, MAX_RETRY_MS, MAX_RETRY_MS]);
    expect(told).toEqual([{ type: 'lost', link: 'h0', message: 'host h0: connection refused' }]);
    link.linked();
    expect(link.lost('its watcher ended')).toBe(FIRST_RETRY_MS);
    expect(told.map((e) => e.type)).toEqual(['lost', 'linked', 'lost']);
  });
});
