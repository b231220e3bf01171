/**
 * The readiness wait of the roll and restore scripts, and the fallback supervisor, run by `sh` here
 * and by BusyBox's, as hosts run them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unusedPort } from '../../../test/helpers/ports.js';
import { processesMentioning } from '../../../test/helpers/processes.js';
import { shQuote } from '../kit/ssh/quote.js';
import { script, SUPERVISOR } from './shell.js';

const busybox = spawnSync('busybox', ['--help']).status === 0 ? 'busybox' : undefined;
if (!busybox) throw new Error('busybox not found (install busybox-static)');

/** Runs `body` after the prelude with `shell`; resolves with its exit status and stderr. */
function run(shell: readonly string[], body: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell[0]!, [...shell.slice(1), '-c', script(body)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe.each([
  ['sh', ['sh']],
  ['BusyBox sh', [busybox, 'sh']],
])('slw_wait_ready under %s', (_name, shell) => {
  let dir: string;
  let instance: string;
  const started: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-wait-'));
    instance = join(dir, 'r0-abc');
    mkdirSync(instance);
  });
  afterEach(() => {
    for (const child of started.splice(0)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a process as the instance's (its pid in `pid`): an HTTP server on `port` answering `status`, or one that only sleeps. */
  function startInstance(port?: number, status = 200): void {
    const code = port === undefined ? 'setInterval(() => {}, 1000)' : `require('http').createServer((q, s) => s.writeHead(${status}).end()).listen(${port}, '127.0.0.1')`;
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    started.push(child);
    writeFileSync(join(instance, 'pid'), `${child.pid}\n`);
  }

  it('returns once the probe answers', async () => {
    const port = unusedPort();
    writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
    startInstance(port);
    expect(await run(shell, `slw_wait_ready ${instance} 30`)).toMatchObject({ code: 0 });
  });

  it('without a probe, returns once the process has stayed up', async () => {
    startInstance();
    expect(await run(shell, `slw_wait_ready ${instance} 30`)).toMatchObject({ code: 0 });
  });

  it('fails after the timeout while the probe does not pass, telling why', async () => {
    const port = unusedPort();
    writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
    startInstance(port, 503);
    const result = await run(shell, `slw_wait_ready ${instance} 1`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('r0-abc not ready within 1 s');
  });

  it('fails at once when the instance crashed 3 times', async () => {
    writeFileSync(join(instance, 'restarts'), '3\n');
    const result = await run(shell, `slw_wait_ready ${instance} 30`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('r0-abc crashed 3 times before it was ready');
  });
});

describe.each([
  ['sh', ['sh']],
  ['BusyBox sh', [busybox, 'sh']],
])('slw_listening under %s', (_name, shell) => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A TCP server listening on `host`; resolves with its port. */
  function listen(host: string): Promise<number> {
    const server = createServer((socket) => socket.on('error', () => {}));
    servers.push(server);
    return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
  }

  it('finds ports listening on IPv4 and IPv6, and not one that only a connection uses', async () => {
    const v4 = await listen('127.0.0.1');
    const v6 = await listen('::1');
    const client = connect(v4, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      const status = (port: number) => `slw_listening ${port} && echo "${port} yes" >&2 || echo "${port} no" >&2`;
      const result = await run(shell, [v4, v6, client.localPort!, unusedPort()].map(status).join('\n'));
      expect(result.stderr.trim().split('\n')).toEqual([`${v4} yes`, `${v6} yes`, `${client.localPort} no`, expect.stringMatching(/ no$/)]);
      // Not a port: answered no, and the shell goes on (65536 + v4 would read as v4 in four hex digits).
      const answer = (port: string) => `slw_listening '${port}' && echo yes >&2 || echo no >&2`;
      const odd = await run(shell, ['80x', '', String(65_536 + v4)].map(answer).join('\n'));
      expect(odd.stderr.trim().split('\n')).toEqual(['no', 'no', 'no']);
    } finally {
      client.destroy();
    }
  });
});

/**
 * Supervisors started and TERMed at once, as many times: before the supervisor could tell its
 * process to stop on every TERM, about a third of these rounds left the process running.
 */
const TERM_ROUNDS = 40;

describe.each([
  ['sh', ['sh']],
  ['BusyBox sh', [busybox, 'sh']],
])('the supervisor under %s', (_name, shell) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-supervisor-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops its process on a TERM that comes as it starts, every time', async () => {
    const instance = join(dir, 'base', 'units', 'dev.web', 'r0-abc');
    mkdirSync(instance, { recursive: true });
    const survivors = join(dir, 'survivors');
    // TERMed, the process leaves no mark; left running, it leaves one as it ends a second later.
    writeFileSync(join(instance, 'run'), `#!/bin/sh\nsleep 1\necho survived >> ${shQuote(survivors)}\n`, { mode: 0o700 });
    const pidFile = shQuote(join(instance, 'supervisor.pid'));
    // The supervisor writes its pid just before it starts its process: the TERM comes as it does.
    const result = await run(
      shell,
      `i=0; while [ $i -lt ${TERM_ROUNDS} ]; do
  rm -f ${pidFile}
  setsid ${shell.join(' ')} -c ${shQuote(SUPERVISOR)} slipway-supervise ${shQuote(instance)} > /dev/null 2>&1 < /dev/null &
  s=$!; p=
  while [ -z "$p" ]; do read -r p 2>/dev/null < ${pidFile}; done
  kill -TERM $s; wait $s; i=$((i + 1))
done`,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(survivors)).toBe(false);
    await expect.poll(() => processesMentioning(instance), { timeout: 10_000 }).toEqual([]);
  }, 120_000);
});

/**
 * A readiness wait and a stop on an instance under the supervisor: they look again when the
 * supervisor wakes them, not every 50 ms. A `sleep` function in the waiter's shell writes down each
 * call (a function, not a program on PATH: BusyBox's shell runs its own `sleep` whatever PATH says).
 * A process killed a moment ago can take a moment to go on a loaded machine: the tests poll for it.
 */
describe.each([
  ['sh', ['sh']],
  ['BusyBox sh', [busybox, 'sh']],
])('waits the supervisor wakes, under %s', (_name, shell) => {
  let dir: string;
  let instance: string;
  let sleeps: string;
  /** Runs `body` in `shell` with a `sleep` that writes down each call, then sleeps. */
  const counted = (body: string) => run(shell, `sleep() { echo "$*" >> ${shQuote(sleeps)}; command sleep "$@"; }\n${body}`);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-wake-'));
    instance = join(dir, 'base', 'units', 'dev.web', 'r0-abc');
    mkdirSync(instance, { recursive: true });
    sleeps = join(dir, 'sleeps');
  });
  afterEach(async () => {
    await run(shell, `slw_stop ${shQuote(instance)}`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the supervisor on `run`, and waits until it has started its process. */
  async function supervise(runScript: string): Promise<void> {
    writeFileSync(join(instance, 'run'), `#!/bin/sh\n${runScript}\n`, { mode: 0o700 });
    spawn('setsid', [...shell, '-c', SUPERVISOR, 'slipway-supervise', instance], { stdio: 'ignore', detached: true }).unref();
    while (!existsSync(join(instance, 'pid'))) await new Promise((r) => setTimeout(r, 20));
  }

  const sleptFor = () => (existsSync(sleeps) ? readFileSync(sleeps, 'utf8').trim().split('\n') : []);

  it('returns once the supervisor finds the instance ready, without a poll every 50 ms', async () => {
    const port = unusedPort();
    writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
    // Listening only after a second: a wait that polled would have slept many times by then.
    await supervise(`/bin/sleep 1; exec ${shQuote(process.execPath)} -e "require('http').createServer((q, s) => s.end()).listen(${port}, '127.0.0.1')"`);
    expect(await counted(`slw_wait_ready ${shQuote(instance)} 30`)).toMatchObject({ code: 0 });
    expect(sleptFor().filter((arg) => arg !== '1')).toEqual([]);
    expect(readFileSync(join(instance, 'ready'), 'utf8').trim()).toBe(readFileSync(join(instance, 'pid'), 'utf8').trim());
  });

  it('leaves the probing to the supervisor: the wait itself starts no HTTP client', async () => {
    const port = unusedPort();
    writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
    const healthy = `Date.now() > ${Date.now() + 2_000} ? 200 : 503`;
    await supervise(`exec ${shQuote(process.execPath)} -e "require('http').createServer((q, s) => s.writeHead(${healthy}).end()).listen(${port}, '127.0.0.1')"`);
    // Listening already, and not ready yet: a wait that probed would probe at once.
    await expect.poll(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0), { timeout: 10_000 }).toBe(503);
    const probes = join(dir, 'probes');
    const counting = ['curl', 'wget', 'busybox'].map((client) => `${client}() { echo ${client} >> ${shQuote(probes)}; command ${client} "$@"; }`);
    expect(await counted(`${counting.join('\n')}\nslw_wait_ready ${shQuote(instance)} 30`)).toMatchObject({ code: 0 });
    expect(existsSync(probes) ? readFileSync(probes, 'utf8') : '').toBe('');
  });

  it('reports the status of an instance: alive, its pid, its restarts, ready', async () => {
    const port = unusedPort();
    writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
    await supervise(`exec ${shQuote(process.execPath)} -e "require('http').createServer((q, s) => s.end()).listen(${port}, '127.0.0.1')"`);
    const status = async () => (await run(shell, `slw_status ${shQuote(instance)} >&2`)).stderr.trim();
    const pid = () => readFileSync(join(instance, 'pid'), 'utf8').trim();
    const first = pid();
    await expect.poll(status, { timeout: 10_000 }).toBe(`1 ${first} 0 1`);
    process.kill(Number(first), 'SIGKILL');
    const restarted = async () => {
      const now = pid();
      return now === first ? 'not restarted yet' : (await status()).replace(` ${now} `, ' <new pid> ');
    };
    await expect.poll(restarted, { timeout: 10_000 }).toBe('1 <new pid> 1 1');
  });

  it('probes by itself once the supervisor no longer does, and passes', async () => {
    const port = unusedPort();
    writeFileSync(join(instance, 'probe'), `${port} 1 /healthz`);
    await supervise(`exec ${shQuote(process.execPath)} -e "require('http').createServer((q, s) => s.end()).listen(${port}, '127.0.0.1')"`);
    await expect.poll(() => existsSync(join(instance, 'ready')), { timeout: 10_000 }).toBe(true);
    // As after a supervisor gave up (2 minutes) on an instance that became ready later: no mark, no probing.
    await expect.poll(() => readFileSync(join(instance, 'probing'), 'utf8').trim(), { timeout: 10_000 }).toBe('0');
    rmSync(join(instance, 'ready'));
    const probes = join(dir, 'probes');
    const counting = `curl() { echo curl >> ${shQuote(probes)}; command curl "$@"; }`;
    expect(await counted(`${counting}\nslw_wait_ready ${shQuote(instance)} 5`)).toMatchObject({ code: 0 });
    expect(readFileSync(probes, 'utf8')).toContain('curl');
  });

  it('fails once the supervisor has restarted the instance 3 times', async () => {
    await supervise('exit 7');
    const result = await counted(`slw_wait_ready ${shQuote(instance)} 60`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('r0-abc crashed 3 times before it was ready');
    expect(sleptFor().filter((arg) => arg !== '1')).toEqual([]);
  });

  it('stops the instance, told by the supervisor when it has', async () => {
    await supervise(`exec ${shQuote(process.execPath)} -e "setInterval(() => {}, 1000)"`);
    expect(await counted(`slw_stop ${shQuote(instance)}`)).toMatchObject({ code: 0, stderr: '' });
    await expect.poll(() => processesMentioning(instance), { timeout: 10_000 }).toEqual([]);
    expect(sleptFor().filter((arg) => arg !== '1')).toEqual([]);
  });
});
