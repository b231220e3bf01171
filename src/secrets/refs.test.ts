import { describe, expect, it } from 'vitest';
import { UnresolvedSecretError } from './errors.js';
import { resolveSecretRefs } from './refs.js';

const secrets = {
  values: new Map([
    ['db-pass', 's3cr3t'],
    ['token', 'tok'],
  ]),
  get(name: string) {
    return Promise.resolve(this.values.get(name));
  },
};

describe('resolveSecretRefs', () => {
  it('replaces values that are exactly secret:<name> and lists the values substituted', async () => {
    const { env, secretValues } = await resolveSecretRefs({ A: 'secret:db-pass', B: 'plain', C: 'secret:token', D: 'secret:db-pass', E: 'not secret:token' }, secrets);
    expect(env).toEqual({ A: 's3cr3t', B: 'plain', C: 'tok', D: 's3cr3t', E: 'not secret:token' });
    expect(secretValues).toEqual(['s3cr3t', 'tok']);
  });

  it('every unknown or invalid reference is one error naming the env var and the secret, never a value', async () => {
    const error = await resolveSecretRefs({ OK: 'secret:token', DATABASE_URL: 'secret:missing', OTHER: 'secret:bad name' }, secrets).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnresolvedSecretError);
    const message = (error as Error).message;
    expect(message).toContain('env var DATABASE_URL refers to secret "missing", which is not set (set it with `slipway secret set missing`)');
    expect(message).toContain('env var OTHER refers to "secret:bad name", which is not a valid secret name');
    expect(message).not.toContain('tok');
    expect((error as UnresolvedSecretError).problems).toHaveLength(2);
  });

  it('labels where the reference was found', async () => {
    await expect(resolveSecretRefs({ adminUrl: 'secret:nope' }, secrets, 'provisioner field')).rejects.toThrow('provisioner field adminUrl refers to secret "nope"');
  });
});
