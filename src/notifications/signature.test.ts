import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './signature.js';

const body = '{"type":"deployment.started"}';
const secret = 'k3y';
const now = new Date('2030-01-01T00:00:00Z');
const timestamp = now.getTime() / 1000;
const headers = { 'x-slipway-signature': signBody(body, timestamp, secret), 'x-slipway-timestamp': String(timestamp) };

describe('signBody', () => {
  it('is the documented HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signBody(body, timestamp, secret)).toBe(`sha256=${expected}`);
    expect(signBody(Buffer.from(body), timestamp, secret)).toBe(`sha256=${expected}`);
  });
});

describe('verifySignature', () => {
  it('accepts the signed body within the tolerance', () => {
    expect(verifySignature(body, headers, secret, { now })).toBe(true);
    expect(verifySignature(body, headers, secret, { now: new Date(now.getTime() + 299_000) })).toBe(true);
  });

  it.each([
    ['another body', body.replace('started', 'failed'), headers, secret, now],
    ['another secret', body, headers, 'other', now],
    ['another timestamp', body, { ...headers, 'x-slipway-timestamp': String(timestamp + 1) }, secret, now],
    ['a stale timestamp', body, headers, secret, new Date(now.getTime() + 301_000)],
    ['no signature', body, { 'x-slipway-timestamp': String(timestamp) }, secret, now],
    ['a malformed signature', body, { ...headers, 'x-slipway-signature': 'sha256=abc' }, secret, now],
    ['a malformed timestamp', body, { ...headers, 'x-slipway-timestamp': '1e9' }, secret, now],
  ])('rejects %s', (_label, received, receivedHeaders, key, at) => {
    expect(verifySignature(received, receivedHeaders, key, { now: at })).toBe(false);
  });
});
