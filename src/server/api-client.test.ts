import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.js';

/** Rows of text mostly of characters of three bytes, so that chunk boundaries fall inside them. */
const rows = Array.from({ length: 300 }, (_, i) => ({ service: `svc-${i}`, message: `waiting for ${i} approvals ${'…'.repeat(100)} ✓ née → ü` }));
const asked: IncomingHttpHeaders[] = [];
let gzipAnswers = true;
const server = createServer((request, response) => {
  asked.push(request.headers);
  const text = JSON.stringify(rows);
  if (gzipAnswers && request.headers['accept-encoding']?.includes('gzip')) {
    response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(text));
  } else {
    void writeInPieces(response, Buffer.from(text));
  }
});

/** Sends `body` in pieces of 1,000 bytes a turn apart, so that the client gets chunks that end inside a character. */
async function writeInPieces(response: ServerResponse, body: Buffer): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/json' });
  for (let at = 0; at < body.length; at += 1000) {
    response.write(body.subarray(at, at + 1000));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  response.end();
}
let url: string;
beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ApiClient over HTTP', () => {
  it('asks for gzip and reads a gzipped answer whole', async () => {
    gzipAnswers = true;
    expect(await new ApiClient({ url, token: 'slw_x' }).status()).toEqual(rows);
    expect(asked.at(-1)?.['accept-encoding']).toBe('gzip');
  });

  it('reads a plain answer of many chunks without breaking the characters split between them', async () => {
    gzipAnswers = false;
    expect(Buffer.byteLength(JSON.stringify(rows))).toBeGreaterThan(90_000);
    expect(await new ApiClient({ url, token: 'slw_x' }).status()).toEqual(rows);
  });
});
