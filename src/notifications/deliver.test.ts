import { afterEach, describe, expect, it } from 'vitest';
import type { SlipwayEvent } from '../store/types.js';
import { createNotifier, type NotifierOptions } from './deliver.js';
import { MemoryDeliveryLog } from './delivery-log.js';
import { NotificationHook } from './schema.js';
import { DELIVERY_HEADER, EVENT_HEADER, verifySignature } from './signature.js';
import { ManualClock, startReceiver, unreachableUrl, type Receiver } from './test-receiver.js';

const SECRET_VALUE = 'hunter2-signing-key-value';
const secrets: Record<string, string> = { 'secret:hook-key': SECRET_VALUE };
const resolveSecret = async (ref: string): Promise<string> => {
  const value = secrets[ref];
  if (value === undefined) throw new Error(`secret "${ref}" is not set`);
  return value;
};

function event(overrides: Partial<SlipwayEvent> = {}): SlipwayEvent {
  return {
    seq: 7,
    at: new Date('2030-01-02T03:00:00Z'),
    type: 'deployment.failed',
    actor: 'alice',
    service: 'web',
    environment: 'staging',
    message: 'verification failed: error rate 12% above 5%',
    data: { release: 'web@1.4.0' },
    ...overrides,
  };
}

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(statuses?: readonly (number | 'hang')[]): Promise<Receiver> {
  const started = await startReceiver(statuses);
  receivers.push(started);
  return started;
}

function setup(hooks: unknown[], options: Partial<NotifierOptions> = {}) {
  const log = new MemoryDeliveryLog();
  const clock = new ManualClock();
  const notifier = createNotifier({ hooks: hooks.map((hook) => NotificationHook.parse(hook)), resolveSecret, log, clock, ...options });
  return { log, clock, notifier };
}

describe('createNotifier', () => {
  it('delivers a signed JSON body that the receiver verifies, and records the delivery', async () => {
    const server = await receiver();
    const { notifier, log, clock } = setup([{ name: 'ops', url: server.url, events: ['*'], secret: 'secret:hook-key' }], { newId: () => 'd-1' });

    notifier.notify(event());
    await notifier.flush();

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers[EVENT_HEADER]).toBe('deployment.failed');
    expect(request?.headers[DELIVERY_HEADER]).toBe('d-1');
    expect(verifySignature(request?.body ?? '', request?.headers ?? {}, SECRET_VALUE, { now: clock.now() })).toBe(true);
    expect(verifySignature(request?.body ?? '', request?.headers ?? {}, 'another-key', { now: clock.now() })).toBe(false);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      type: 'deployment.failed',
      service: 'web',
      environment: 'staging',
      actor: 'alice',
      message: 'verification failed: error rate 12% above 5%',
      at: '2030-01-02T03:00:00.000Z',
      data: { release: 'web@1.4.0' },
    });
    expect(log.attempts).toEqual([
      { deliveryId: 'd-1', hook: 'ops', eventSeq: 7, eventType: 'deployment.failed', attempt: 1, outcome: 'delivered', statusCode: 200, error: null, at: clock.now() },
    ]);
  });

  it('sends a Slack-compatible body with a readable text', async () => {
    const server = await receiver();
    const { notifier } = setup([{ name: 'chat', url: server.url, format: 'slack', events: ['deployment.failed'] }]);

    notifier.notify(event());
    await notifier.flush();

    const body = JSON.parse(server.requests[0]?.body ?? '{}') as { text?: string; blocks?: unknown[] };
    expect(body.text).toBe('web in staging: verification failed: error rate 12% above 5% (by alice)');
    expect(body.blocks?.length).toBeGreaterThan(0);
  });

  it('sends an event only to the hooks whose type, service and environment filters it passes', async () => {
    const server = await receiver();
    const { notifier, log } = setup([
      { name: 'failures', url: server.url, events: ['deployment.failed'] },
      { name: 'prod', url: server.url, events: ['*'], environments: ['prod'] },
      { name: 'api', url: server.url, events: ['*'], services: ['api'] },
    ]);

    notifier.notify(event({ seq: 1, type: 'deployment.failed', service: 'web', environment: 'staging' }));
    notifier.notify(event({ seq: 2, type: 'deployment.started', service: 'web', environment: 'prod' }));
    notifier.notify(event({ seq: 3, type: 'deployment.started', service: 'api', environment: 'dev' }));
    notifier.notify(event({ seq: 4, type: 'deployment.started', service: 'web', environment: 'dev' }));
    await notifier.flush();

    const sent = log.attempts.map((attempt) => `${attempt.hook}:${attempt.eventSeq}`).sort();
    expect(sent).toEqual(['api:3', 'failures:1', 'prod:2']);
    expect(server.requests).toHaveLength(3);
  });

  it('retries 503s with doubling backoff and delivers on the third attempt under the same delivery id', async () => {
    const server = await receiver([503, 503, 200]);
    const { notifier, log, clock } = setup([{ name: 'ops', url: server.url, events: ['*'] }]);

    notifier.notify(event());
    await notifier.flush();

    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((request) => request.headers[DELIVERY_HEADER])).size).toBe(1);
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(log.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'will-retry', 503],
      [2, 'will-retry', 503],
      [3, 'delivered', 200],
    ]);
    expect(log.attempts[0]?.error).toBe('the receiver answered 503');
  });

  it('retries a 429', async () => {
    const server = await receiver([429, 204]);
    const { notifier, log } = setup([{ name: 'ops', url: server.url, events: ['*'] }]);

    notifier.notify(event());
    await notifier.flush();

    expect(log.attempts.map((a) => a.outcome)).toEqual(['will-retry', 'delivered']);
  });

  it('does not retry a 400', async () => {
    const server = await receiver([400, 200]);
    const { notifier, log, clock } = setup([{ name: 'ops', url: server.url, events: ['*'] }]);

    notifier.notify(event());
    await notifier.flush();

    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(log.attempts.map((a) => [a.outcome, a.statusCode, a.error])).toEqual([['failed', 400, 'the receiver answered 400']]);
  });

  it('gives up on an unreachable receiver after maxAttempts, with every attempt recorded', async () => {
    const url = await unreachableUrl();
    const { notifier, log, clock } = setup([{ name: 'ops', url, events: ['*'] }], { maxAttempts: 4, backoff: { initialMs: 1000, maxMs: 3000 } });

    notifier.notify(event());
    await notifier.flush();

    expect(clock.sleeps).toEqual([1000, 2000, 3000]);
    expect(log.attempts.map((a) => a.outcome)).toEqual(['will-retry', 'will-retry', 'will-retry', 'gave-up']);
    for (const attempt of log.attempts) {
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).toMatch(/ECONNREFUSED/);
    }
  });

  it('times out a receiver that never answers, and retries', async () => {
    const server = await receiver(['hang']);
    // Long enough for a loaded machine to carry each request to the receiver before it is given up.
    const { notifier, log } = setup([{ name: 'ops', url: server.url, events: ['*'] }], { maxAttempts: 2, timeoutMs: 2_000 });

    notifier.notify(event());
    await notifier.flush();

    expect(server.requests).toHaveLength(2);
    expect(log.attempts.map((a) => [a.outcome, a.error])).toEqual([
      ['will-retry', 'no answer within 2000 ms'],
      ['gave-up', 'no answer within 2000 ms'],
    ]);
  });

  it('returns from notify before anything is sent', async () => {
    const server = await receiver();
    const { notifier, log } = setup([{ name: 'ops', url: server.url, events: ['*'] }]);

    notifier.notify(event());

    expect(log.attempts).toEqual([]);
    await notifier.flush();
    expect(log.attempts).toHaveLength(1);
  });

  it('keeps delivering when the delivery log fails, and reports the failure', async () => {
    const server = await receiver([503, 200]);
    const errors: unknown[] = [];
    const failingLog = { record: async () => Promise.reject(new Error('store is down')) };
    const { notifier } = setup([{ name: 'ops', url: server.url, events: ['*'] }], { log: failingLog, onError: (error) => errors.push(error) });

    expect(() => notifier.notify(event())).not.toThrow();
    await notifier.flush();

    expect(server.requests).toHaveLength(2);
    expect(errors.map(String)).toEqual(['Error: store is down', 'Error: store is down']);
  });
});

describe('secrets in deliveries', () => {
  it('never records the secret, its reference or its value, even when an error message carries it', async () => {
    const leakyFetch: typeof fetch = async (_url, init) => {
      const headers = JSON.stringify(init?.headers);
      throw new Error(`socket hang up while sending ${headers} signed with ${SECRET_VALUE}`);
    };
    const { notifier, log } = setup([{ name: 'ops', url: 'http://127.0.0.1:9/hook', events: ['*'], secret: 'secret:hook-key' }], {
      fetch: leakyFetch,
      maxAttempts: 2,
    });

    notifier.notify(event());
    await notifier.flush();

    const recorded = JSON.stringify(log.attempts);
    expect(log.attempts.map((a) => a.outcome)).toEqual(['will-retry', 'gave-up']);
    expect(recorded).toContain('socket hang up');
    expect(recorded).not.toContain(SECRET_VALUE);
    expect(recorded).not.toContain('hook-key');
  });

  it('fails a delivery whose secret cannot be resolved, without sending it unsigned', async () => {
    const server = await receiver();
    const { notifier, log } = setup([{ name: 'ops', url: server.url, events: ['*'], secret: 'secret:missing' }]);

    notifier.notify(event());
    await notifier.flush();

    expect(server.requests).toEqual([]);
    expect(log.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'failed']]);
    expect(log.attempts[0]?.error).toMatch(/^the signing secret could not be resolved/);
  });
});
