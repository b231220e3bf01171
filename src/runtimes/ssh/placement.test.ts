import { describe, expect, it } from 'vitest';
import { batches, hostOf, hostPorts, instanceDirName, listeningPorts, replicasOn } from './placement.js';

describe('ssh placement', () => {
  it('spreads replicas round-robin and numbers them per host', () => {
    expect([0, 1, 2, 3, 4].map((r) => hostOf(r, 2))).toEqual([0, 1, 0, 1, 0]);
    expect(replicasOn(0, 5, 2)).toEqual([0, 2, 4]);
    expect(replicasOn(1, 5, 2)).toEqual([1, 3]);
    expect(replicasOn(3, 2, 4)).toEqual([]);
  });

  it('groups hosts into batches', () => {
    expect(batches(['a', 'b', 'c'], 2)).toEqual([['a', 'b'], ['c']]);
    expect(batches([], 2)).toEqual([]);
  });

  it('reads listening ports from /proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1',
      '   1: 0100007F:A000 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2',
      '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0 0 0 0 0 0 3',
    ].join('\n');
    expect(listeningPorts(text)).toEqual(new Set([8080, 22]));
  });

  it('offsets fixed ports by slot and draws auto ports outside the taken ones', () => {
    const taken = new Set([20_000]);
    const ports = hostPorts({ http: 8080, admin: 'auto' }, 1, taken, () => 0);
    expect(ports.http).toBe(8081);
    expect(ports.admin).not.toBe(20_000);
    expect(taken.has(ports.admin!)).toBe(true);
  });

  it('names instance directories by replica and configuration', () => {
    expect(instanceDirName(0, 'a')).toMatch(/^r0-[0-9a-f]{12}$/);
    expect(instanceDirName(0, 'a')).not.toBe(instanceDirName(0, 'b'));
  });
});
