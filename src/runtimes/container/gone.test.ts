import { describe, expect, it } from 'vitest';
import { undefinedWhenGone } from './container-runtime.js';

describe('undefinedWhenGone', () => {
  it('takes a 404, and the 500 Podman answers for a container removed between a list and an inspect, as gone', () => {
    expect(undefinedWhenGone(Object.assign(new Error('no such container'), { statusCode: 404 }))).toBeUndefined();
    expect(undefinedWhenGone(Object.assign(new Error('(HTTP code 500) server error - no such container: abc'), { statusCode: 500 }))).toBeUndefined();
    expect(() => undefinedWhenGone(Object.assign(new Error('(HTTP code 500) server error - database is locked'), { statusCode: 500 }))).toThrow(/database is locked/);
  });
});
