/**
 * Host key pinning: a host is trusted only when the key it presents is one configured for it, as a
 * `SHA256:` fingerprint, a `<type> <base64>` key, or a known_hosts line naming it (plain, `[host]:port`
 * or hashed `|1|salt|hash`). `@revoked` lines refuse a key; `@cert-authority` lines are ignored.
 */
import { createHash, createHmac } from 'node:crypto';

/** A host key accepted for one host, as raw key blobs and fingerprints. */
export interface TrustedKeys {
  readonly blobs: readonly Buffer[];
  readonly fingerprints: readonly string[];
  readonly revoked: readonly Buffer[];
}

/** `SHA256:<unpadded base64>` of a raw public key blob, as OpenSSH prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** True when `pattern` (a known_hosts host field entry) names `host` on `port`. */
function namesHost(pattern: string, host: string, port: number): boolean {
  const wanted = port === 22 ? host : `[${host}]:${port}`;
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(wanted).digest('base64') === hash;
  }
  return pattern === wanted;
}

/** The keys `knownHosts` (file content) and `pinned` (fingerprints or `<type> <base64>`) trust for `host`:`port`. */
export function trustedKeys(host: string, port: number, knownHosts: string, pinned: readonly string[] = []): TrustedKeys {
  const blobs: Buffer[] = [];
  const revoked: Buffer[] = [];
  const fingerprints = pinned.filter((p) => p.startsWith('SHA256:')).map((p) => p.replace(/=+$/, ''));
  for (const key of pinned.filter((p) => !p.startsWith('SHA256:'))) blobs.push(Buffer.from(key.split(' ')[1] ?? '', 'base64'));
  for (const raw of knownHosts.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) continue;
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [hosts, , key] = fields;
    if (!hosts || !key || marker === '@cert-authority') continue;
    if (!hosts.split(',').some((pattern) => namesHost(pattern, host, port))) continue;
    (marker === '@revoked' ? revoked : blobs).push(Buffer.from(key, 'base64'));
  }
  return { blobs, fingerprints, revoked };
}

/** True when `blob` is trusted and not revoked. Nothing configured trusts nothing. */
export function verifyHostKey(blob: Buffer, trusted: TrustedKeys): boolean {
  if (trusted.revoked.some((key) => key.equals(blob))) return false;
  return trusted.blobs.some((key) => key.equals(blob)) || trusted.fingerprints.includes(fingerprint(blob));
}
