import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Operations } from '../engine/index.js';
import { buildApp } from './app.js';
import type { Route } from './route-types.js';

const matrix = Object.freeze(Array.from({ length: 2_000 }, (_, i) => Object.freeze({ service: `svc-${i}`, environment: 'prod', release: 'v1' })));
const fresh = () => Array.from({ length: 2_000 }, (_, i) => ({ service: `svc-${i}` }));
const read = (path: string, run: () => unknown): Route => ({
  method: 'GET',
  path,
  summary: `read ${path}`,
  input: z.object({}),
  access: { kind: 'public' },
  answer: 'json',
  run: async () => run(),
});
const app = buildApp({
  ops: {} as Operations,
  identify: async () => undefined,
  routes: [read('/frozen', () => matrix), read('/small', () => Object.freeze({ ok: true })), read('/fresh', fresh)],
});
afterAll(() => app.close());

describe('JSON answers', () => {
  it('gzips a large frozen answer for a client that accepts gzip, the same bytes for every request', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ url: '/frozen', headers: { 'accept-encoding': 'gzip, deflate, br' } })));
    for (const answer of answers) {
      expect(answer.headers['content-encoding']).toBe('gzip');
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers.vary).toBe('accept-encoding');
      expect(JSON.parse(gunzipSync(answer.rawPayload).toString('utf8'))).toEqual(matrix);
      expect(answer.rawPayload.length).toBeLessThan(JSON.stringify(matrix).length / 10);
    }
    expect(answers[1]!.rawPayload.equals(answers[0]!.rawPayload)).toBe(true);
  });

  it('answers plain JSON to a client that does not accept gzip, or refuses it with q=0', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'gzip;q=0, identity' }, { 'accept-encoding': 'br' }]) {
      const answer = await app.inject({ url: '/frozen', headers });
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.json()).toEqual(matrix);
    }
  });

  it('answers small and unfrozen answers plain, whatever the client accepts', async () => {
    const small = await app.inject({ url: '/small', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.json()).toEqual({ ok: true });
    const unfrozen = await app.inject({ url: '/fresh', headers: { 'accept-encoding': '*' } });
    expect(unfrozen.headers['content-encoding']).toBeUndefined();
    expect(unfrozen.json()).toEqual(fresh());
  });
});

describe('unexpected errors', () => {
  it('are logged with their class, code, message and stack, never the statement or parameters a database error carries', async () => {
    const failure = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', query: 'select * from "events" where "service" = $1', params: ['\u0000zq-marker'] });
    const failing = buildApp({ ops: {} as Operations, identify: async () => undefined, routes: [read('/fails', () => Promise.reject(failure))] });
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? JSON.stringify(a, Object.getOwnPropertyNames(a)) : String(a))).join(' ')));
    try {
      const answer = await failing.inject({ url: '/fails' });
      expect([answer.statusCode, answer.json()]).toEqual([500, { error: { code: 'internal', message: 'internal error; the server log has the details' } }]);
    } finally {
      spy.mockRestore();
      await failing.close();
    }
    expect(logged.join('\n')).toContain('Error [22021]: invalid byte sequence');
    for (const leak of ['select', 'zq-marker', '\u0000']) expect(logged.join('\n')).not.toContain(leak);
  });
});
