import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SlipwayError, type ErrorCode } from '../errors.js';
import { humanize } from '../cli/humanize.js';
import { InvalidSecretNameError, SecretKeyError } from '../secrets/index.js';
import { errorBody, errorFromBody, httpStatusOf } from './error-body.js';

describe('error codes', () => {
  it('answer every code with the status and exit code of the one table', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const error = new SlipwayError(code, 'what happened');
      expect([httpStatusOf(error), humanize(error).exitCode], code).toEqual([ERROR_CODES[code].http, ERROR_CODES[code].exit]);
    }
  });

  it('answer an invalid secret name 422 and exit 2, not as an unexpected error', () => {
    const error = new InvalidSecretNameError('a b');
    expect([httpStatusOf(error), humanize(error).exitCode]).toEqual([422, 2]);
    expect(httpStatusOf(new SecretKeyError('no key'))).toBe(500);
    expect(httpStatusOf(new Error('boom'))).toBe(500);
  });

  it('come back over HTTP as they went, and a code this Slipway does not know as internal', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(errorFromBody(errorBody(new SlipwayError(code, 'm')))).toMatchObject({ code, message: 'm' });
    }
    expect(errorFromBody({ error: { code: 'from-the-future', message: 'm' } })).toMatchObject({ code: 'internal', message: 'm' });
  });

  it('are a closed vocabulary', () => {
    // @ts-expect-error: a code missing from ERROR_CODES is a type error
    expect(new SlipwayError('no-such-code', 'm').code).toBe('no-such-code');
  });
});
