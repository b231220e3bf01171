/**
 * JSON text of an HTTP answer. A frozen payload is one a read hands out again while nothing
 * changed (status), so its text is made once and kept as long as the payload lives, and so is
 * its gzip for clients that accept it (browsers and `fetch` do): the matrix of 1,000 services is
 * 790 KB of JSON and 20 KB gzipped, compressed once per change instead of once per request.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const texts = new WeakMap<object, string>();
const gzipped = new WeakMap<object, Promise<Buffer>>();
const compress = promisify(gzip);

/** Frozen answers shorter than this go as they are: compressing them saves less than it costs. */
const COMPRESS_FROM_BYTES = 16 * 1024;

export function serializeReply(payload: unknown): string {
  if (!isFrozenObject(payload)) return JSON.stringify(payload);
  let text = texts.get(payload);
  if (text === undefined) {
    text = JSON.stringify(payload);
    texts.set(payload, text);
  }
  return text;
}

/**
 * The gzip of a frozen payload's JSON text, made once (off the event loop, in zlib's thread
 * pool); undefined for a payload that is not frozen or too short to be worth it.
 */
export function gzippedReply(payload: unknown): Promise<Buffer> | undefined {
  if (!isFrozenObject(payload)) return undefined;
  let zipped = gzipped.get(payload);
  if (zipped === undefined) {
    const text = serializeReply(payload);
    if (text.length < COMPRESS_FROM_BYTES) return undefined;
    zipped = compress(text, { level: 6 });
    gzipped.set(payload, zipped);
  }
  return zipped;
}

/** Whether an `Accept-Encoding` header admits gzip (`gzip` or `*`, with no `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const zero = params.some((p) => /^q=0(\.0{0,3})?$/.test(p));
    return (coding === 'gzip' || coding === '*') && !zero;
  });
}

function isFrozenObject(payload: unknown): payload is object {
  return payload !== null && typeof payload === 'object' && Object.isFrozen(payload);
}
