import { describe, expect, it } from 'vitest';
import { encodeCommand, parseReply, RedisReplyError } from './redis-connection.js';

describe('RESP2', () => {
  it('encodes a command as an array of bulk strings, counting bytes', () => {
    expect(encodeCommand(['SET', 'clé', '']).toString()).toBe('*3\r\n$3\r\nSET\r\n$4\r\nclé\r\n$0\r\n\r\n');
  });

  it('reads every kind of reply and says where the next begins', () => {
    const buffer = Buffer.from('+OK\r\n:42\r\n$-1\r\n*2\r\n$1\r\n0\r\n*1\r\n$2\r\nab\r\n-NOPERM no\r\n');
    const replies: unknown[] = [];
    for (let at = 0, read = parseReply(buffer, at); read; at = read.next, read = parseReply(buffer, at)) replies.push(read.value);
    expect(replies).toEqual(['OK', 42, null, ['0', ['ab']], new RedisReplyError('NOPERM no')]);
  });

  it('waits for the rest of a reply split across chunks', () => {
    const whole = Buffer.from('*2\r\n$5\r\nhello\r\n:1\r\n');
    for (let cut = 0; cut < whole.length; cut++) expect(parseReply(whole.subarray(0, cut), 0)).toBeUndefined();
    expect(parseReply(whole, 0)).toEqual({ value: ['hello', 1], next: whole.length });
  });

  it('refuses bytes that are not RESP2', () => {
    expect(() => parseReply(Buffer.from('HTTP/1.1 400\r\n'), 0)).toThrow(/unexpected reply from Redis/);
  });
});
