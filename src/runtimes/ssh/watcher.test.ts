/**
 * A host's watcher and its supervisors, against a local `sh` (the scripts a host gets over SSH), on
 * GNU and on BusyBox tools: the supervisor notes what happens to its instance, the watcher reports
 * it, and both leave nothing running once stopped.
 */
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { busyboxTools, localShell } from '../../../test/harness/local-shell.js';
import { unusedPort } from '../../../test/helpers/ports.js';
import { processesMentioning } from '../../../test/helpers/processes.js';
import type { WatchEvent } from '../types.js';
import { envFile, runScript, script } from './shell.js';
import { HostWatcher, parseEventLine } from './watcher.js';

const APP = fileURLToPath(new URL('./testdata/app', import.meta.url));
const busybox = busyboxTools();
afterAll(() => busybox.remove());

describe('parseEventLine', () => {
  it('names the unit from the instance directory, and words the event', () => {
    expect(parseEventLine('exit /b/units/dev.api/r0-abc 137', '/b', 'hosts', 'h1')).toEqual({
      key: { service: 'api', environment: 'dev', target: 'hosts' },
      message: 'dev.api r0-abc on h1: exited (status 137)',
    });
    expect(parseEventLine('ready /b/units/dev.api/r0-abc 42', '/b', 'hosts', 'h1')?.message).toBe('dev.api r0-abc on h1: ready');
    expect(parseEventLine('start /elsewhere/x 42', '/b', 'hosts', 'h1')).toEqual({ message: '/elsewhere/x on h1: started as pid 42' });
    expect(parseEventLine('switch /b/units/dev.api /b/releases/v2-abc', '/b', 'hosts', 'h1')).toEqual({
      key: { service: 'api', environment: 'dev', target: 'hosts' },
      message: 'dev.api on h1: switched to release v2-abc',
    });
    expect(parseEventLine('tail: file truncated', '/b', 'hosts', 'h1')).toBeUndefined();
  });
});

describe.each([
  ['watcher and supervisor', undefined],
  ['watcher and supervisor on a BusyBox host', busybox.dir],
])('%s', (_name, tools) => {
  let dir: string;
  let base: string;
  const run = (body: string) => localShell(script(body), {}, tools);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-watcher-'));
    base = join(dir, 'base');
  });
  afterEach(async () => {
    for (const pid of processesMentioning(base)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports an instance starting, becoming ready, exiting, restarting and stopping; stopped, leaves nothing running', async () => {
    const events: WatchEvent[] = [];
    const watcher = new HostWatcher('h1', base, 'hosts', 'w1', (s, options) => localShell(s, options, tools), (event) => events.push(event));
    const messages = () => events.map((e) => (e.type === 'changed' ? e.message.replace(/pid \d+/, 'pid N') : e.type));
    try {
      await expect.poll(messages).toEqual(['linked']);
      // An instance as an apply writes it, started by the prelude's slw_start.
      const instance = join(base, 'units', 'dev.api', 'r0-abc');
      const port = unusedPort();
      mkdirSync(instance, { recursive: true });
      writeFileSync(join(instance, 'env'), envFile({ PORT: String(port) }));
      writeFileSync(join(instance, 'run'), runScript(instance, APP, process.execPath, ['server.mjs']), { mode: 0o700 });
      writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
      expect((await run(`slw_start ${instance}`)).code).toBe(0);
      await expect.poll(messages).toEqual(['linked', 'dev.api r0-abc on h1: started as pid N', 'dev.api r0-abc on h1: ready']);
      const change = events[1] as Extract<WatchEvent, { type: 'changed' }>;
      expect(change.key).toEqual({ service: 'api', environment: 'dev', target: 'hosts' });

      process.kill(Number(readFileSync(join(instance, 'pid'), 'utf8')), 'SIGKILL');
      await expect.poll(() => messages().slice(3)).toEqual(['dev.api r0-abc on h1: exited (status 137)', 'dev.api r0-abc on h1: started as pid N', 'dev.api r0-abc on h1: ready']);
      expect(readFileSync(join(instance, 'restarts'), 'utf8').trim()).toBe('1');

      expect((await run(`slw_stop ${instance}`)).code).toBe(0);
      await expect.poll(() => messages().slice(6)).toEqual(['dev.api r0-abc on h1: stopped']);
    } finally {
      await watcher.stop();
    }
    // The watcher's `tail`, its shell and the supervisor are gone; nothing else was told.
    await expect.poll(() => processesMentioning(base)).toEqual([]);
    expect(events.filter((e) => e.type !== 'changed').map((e) => e.type)).toEqual(['linked']);
  });

  it('reports a watcher that cannot run as lost, once, and links when it can', async () => {
    const events: WatchEvent[] = [];
    // A base directory that cannot be made: a file stands in the way, until it is removed.
    mkdirSync(dir, { recursive: true });
    writeFileSync(base, 'in the way');
    const watcher = new HostWatcher('h1', base, 'hosts', 'w1', (s, options) => localShell(s, options, tools), (event) => events.push(event));
    try {
      await expect.poll(() => events.map((e) => e.type)).toEqual(['lost']);
      expect(events[0]).toMatchObject({ link: 'h1', message: expect.stringMatching(/^host h1: its watcher failed \(exit 1\)/) });
      rmSync(base);
      await expect.poll(() => events.map((e) => e.type)).toEqual(['lost', 'linked']);
    } finally {
      await watcher.stop();
    }
  });
});
