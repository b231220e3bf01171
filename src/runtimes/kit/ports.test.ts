import { describe, expect, it } from 'vitest';
import { assignPorts, freePort, portsCollide, probePort } from './ports.js';

describe('ports', () => {
  it('offsets declared ports by the replica index and allocates auto ones, keeping given ones', async () => {
    let next = 40000;
    const allocate = async () => next++;
    expect(await assignPorts({ http: 8080, admin: 'auto' }, 2, allocate)).toEqual({ http: 8082, admin: 40000 });
    expect(await assignPorts({ http: 8080, admin: 'auto' }, 2, allocate, { admin: 39000 })).toEqual({ http: 8082, admin: 39000 });
  });

  it('finds a free port on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it('says when a fixed port of the new workload is held by the old instance', () => {
    expect(portsCollide({ http: 8080 }, 1, { http: 8081 })).toBe(true);
    expect(portsCollide({ http: 'auto' }, 1, { http: 8081 })).toBe(false);
    expect(portsCollide({ http: 9000 }, 1, { http: 8081 })).toBe(false);
  });

  it('resolves a probe port by name, by declared base number, or literally', () => {
    const declared = { http: 8080, admin: 'auto' } as const;
    const ports = { http: 8081, admin: 40000 };
    expect(probePort('admin', declared, ports)).toBe(40000);
    expect(probePort(8080, declared, ports)).toBe(8081);
    expect(probePort(7000, declared, ports)).toBe(7000);
    expect(probePort('missing', declared, ports)).toBeUndefined();
  });
});
