import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, trustedKeys, verifyHostKey } from './host-keys.js';

const key = (seed: string) => Buffer.from(`ssh-ed25519-blob-${seed}`);
const b64 = (blob: Buffer) => blob.toString('base64');

describe('host key pinning', () => {
  const good = key('good');
  const other = key('other');

  it('trusts a known_hosts line that names the host, and nothing else', () => {
    const trusted = trustedKeys('10.0.0.1', 22, `# comment\n10.0.0.2 ssh-ed25519 ${b64(other)}\nweb,10.0.0.1 ssh-ed25519 ${b64(good)}\n`);
    expect(verifyHostKey(good, trusted)).toBe(true);
    expect(verifyHostKey(other, trusted)).toBe(false);
  });

  it('matches [host]:port entries only on that port', () => {
    const lines = `[10.0.0.1]:2222 ssh-ed25519 ${b64(good)}\n`;
    expect(verifyHostKey(good, trustedKeys('10.0.0.1', 2222, lines))).toBe(true);
    expect(verifyHostKey(good, trustedKeys('10.0.0.1', 22, lines))).toBe(false);
  });

  it('matches hashed host names', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('10.0.0.1').digest('base64');
    const trusted = trustedKeys('10.0.0.1', 22, `|1|${b64(salt)}|${hash} ssh-ed25519 ${b64(good)}\n`);
    expect(verifyHostKey(good, trusted)).toBe(true);
    expect(verifyHostKey(good, trustedKeys('10.0.0.9', 22, `|1|${b64(salt)}|${hash} ssh-ed25519 ${b64(good)}\n`))).toBe(false);
  });

  it('trusts pinned fingerprints and keys', () => {
    expect(verifyHostKey(good, trustedKeys('h', 22, '', [fingerprint(good)]))).toBe(true);
    expect(verifyHostKey(good, trustedKeys('h', 22, '', [`ssh-ed25519 ${b64(good)}`]))).toBe(true);
    expect(verifyHostKey(other, trustedKeys('h', 22, '', [fingerprint(good)]))).toBe(false);
  });

  it('refuses revoked keys and trusts nothing when nothing is configured', () => {
    expect(verifyHostKey(good, trustedKeys('h', 22, `h ssh-ed25519 ${b64(good)}\n@revoked h ssh-ed25519 ${b64(good)}\n`))).toBe(false);
    expect(verifyHostKey(good, trustedKeys('h', 22, ''))).toBe(false);
  });
});
