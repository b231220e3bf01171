import { describe, expect, it } from 'vitest';
import { HaproxyServerControl, type HaproxySend } from './haproxy-api.js';

const timings = { pollMs: 1, drainTimeoutMs: 10, upTimeoutMs: 10 };
const STAT = '# pxname,svname,scur,status\nweb,web-1,0,UP\n';

describe('HaproxyServerControl', () => {
  it('sends one command per change, naming backend/server', async () => {
    const sent: string[] = [];
    const send: HaproxySend = async (_socket, command) => (sent.push(command), command === 'show stat' ? STAT : '');
    await new HaproxyServerControl('/run/haproxy.sock', 'web', 'web-1', timings, send).drain();
    expect(sent).toEqual(['set server web/web-1 state drain', 'show stat']);
  });

  it('refuses a backend or server name that breaks HAProxy\'s rule before it sends anything', () => {
    const sent: string[] = [];
    const send: HaproxySend = async (_socket, command) => (sent.push(command), '');
    for (const [backend, server] of [['web;shutdown sessions server web/web-1', 'web-1'], ['web', 'web-1\nset server web/web-2 state maint'], ['web', 'web/web-2'], ['', 'web-1']]) {
      expect(() => new HaproxyServerControl('/run/haproxy.sock', backend!, server!, timings, send), `${backend}/${server}`).toThrow(/refusing to send HAProxy commands/);
    }
    expect(sent).toEqual([]);
  });
});
