import { describe, expect, it } from 'vitest';
import { SshTarget } from './settings.js';

const pinned = { name: 'web-1', address: '10.0.0.1', hostKeys: [`SHA256:${'A'.repeat(43)}`] };

describe('ssh target settings', () => {
  it('fills in defaults', () => {
    expect(SshTarget.parse({ runtime: 'ssh', hosts: [pinned], identityFile: '/k' })).toMatchObject({
      user: 'root',
      port: 22,
      baseDir: '/var/lib/slipway',
      keepReleases: 3,
      batchSize: 1,
    });
  });

  it('refuses hosts whose keys are not pinned, duplicate host names and unsafe base directories', () => {
    const issues = (input: object) => SshTarget.safeParse({ runtime: 'ssh', identityFile: '/k', ...input }).error?.issues.map((i) => i.message);
    expect(issues({ hosts: [{ name: 'a', address: 'a' }] })).toEqual(['pin every host key: give knownHosts, or hostKeys on every host']);
    expect(issues({ hosts: [pinned, pinned] })).toEqual(['host names must be unique']);
    expect(issues({ hosts: [pinned], baseDir: 'relative' })).toHaveLength(1);
    expect(issues({ hosts: [{ ...pinned, baseDir: '/srv/a b' }] })).toHaveLength(1);
  });

  it('takes HAProxy backend and server names by HAProxy\'s identifier rule, and refuses what would be another admin command', () => {
    const target = (haproxy: object) => ({ runtime: 'ssh', identityFile: '/k', hosts: [pinned], haproxy: { socket: '/run/haproxy.sock', ...haproxy } });
    expect(SshTarget.safeParse(target({ backend: 'be_web:v2.1', servers: { 'web-1': 'srv-1.a' } })).success).toBe(true);
    for (const haproxy of [{ backend: 'web;shutdown sessions server web/web-1' }, { backend: 'web\nset server web/web-1 state maint' }, { backend: 'web', servers: { 'web-1': 'web-1 state maint' } }, { backend: '' }]) {
      expect(SshTarget.safeParse(target(haproxy)).error?.issues.map((i) => [i.path.join('.'), i.message]), JSON.stringify(haproxy)).toEqual([
        [expect.stringMatching(/^haproxy\.(backend|servers\.web-1)$/), 'an HAProxy name of letters, digits, "-", "_", "." and ":"'],
      ]);
    }
  });
});
