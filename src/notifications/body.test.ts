import { describe, expect, it } from 'vitest';
import type { SlipwayEvent } from '../store/types.js';
import { describeEvent, renderBody } from './body.js';

const event: SlipwayEvent = {
  seq: 3,
  at: new Date('2030-01-01T00:00:00Z'),
  type: 'promotion.waiting-approval',
  actor: 'slipway',
  service: 'web',
  environment: 'prod',
  message: 'waiting for 1 approval from group <sre> & on-call',
  data: {},
};

describe('describeEvent', () => {
  it.each([
    [{ service: 'web', environment: 'prod' }, 'web in prod: done (by bob)'],
    [{ service: 'web', environment: null }, 'web: done (by bob)'],
    [{ service: null, environment: 'prod' }, 'prod: done (by bob)'],
    [{ service: null, environment: null }, 'Slipway: done (by bob)'],
  ])('names what the event is about: %o', (about, expected) => {
    expect(describeEvent({ ...about, message: 'done', actor: 'bob' })).toBe(expected);
  });
});

describe('renderBody', () => {
  it('escapes Slack control characters in blocks but keeps the plain text readable', () => {
    const body = JSON.parse(renderBody('slack', event)) as { text: string; blocks: { text?: { text: string } }[] };
    expect(body.text).toBe('web in prod: waiting for 1 approval from group <sre> & on-call (by slipway)');
    expect(body.blocks[0]?.text?.text).toBe('web in prod: waiting for 1 approval from group &lt;sre&gt; &amp; on-call (by slipway)');
  });
});
