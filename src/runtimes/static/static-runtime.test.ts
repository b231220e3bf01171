import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNginx } from '../../../test/harness/nginx.js';
import { startSshHosts, type SshHost, type SshHosts } from '../../../test/harness/sshd.js';
import type { DesiredUnit } from '../../desired/types.js';
import { ephemeralSealer } from '../../secrets/index.js';
import { adapterContract, sandboxHarness, contractUnit, type ContractUnitOverrides } from '../adapter-contract.js';
import { StaticTarget } from './settings.js';
import { openStaticRuntime, type StaticRuntime } from './static-runtime.js';

const TARGET = 'site';

/** One SSH host in a network namespace, for the web root over SSH; started by the first remote sandbox. */
let lab: Promise<SshHosts> | undefined;
afterAll(async () => {
  await (await lab)?.stop();
});

/**
 * A web root and artifact directories (one per version: `index.html` says the version) in a
 * temporary directory. With `remote`, the web root is published to an SSH host over SSH; the host
 * shares this machine's filesystem (only its network is its own), so the test reads what it wrote.
 */
class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-static-'));
  readonly webRoot: string;
  readonly runtimes: StaticRuntime[] = [];
  #host: SshHost | undefined;

  constructor(readonly remote = false) {
    this.webRoot = join(this.dir, 'www');
  }

  async open(keepReleases = 3): Promise<StaticRuntime> {
    const settings = StaticTarget.parse({ runtime: 'static', webRoot: this.webRoot, keepReleases, ...(this.remote && { ssh: await this.ssh() }) });
    const runtime = await openStaticRuntime(settings, { target: TARGET, stateDir: join(this.dir, 'state'), sealer: ephemeralSealer() });
    this.runtimes.push(runtime);
    return runtime;
  }

  /** The host's login, starting the lab on first use; the web root (in this sandbox's directory) is the deploy user's. */
  private async ssh() {
    lab ??= startSshHosts(1);
    const { hosts, identityFile, knownHostsFile, network, user, userDir } = await lab;
    this.#host = hosts[0]!;
    network.assertReachable(this.#host.net);
    // The host logs in as the deploy user, who passes through this directory into the web root.
    chmodSync(this.dir, 0o711);
    userDir(this.webRoot);
    const host = { name: this.#host.name, address: this.#host.address };
    return { host, user: user.name, identityFile, knownHosts: knownHostsFile, connectTimeoutSeconds: 2 };
  }

  async cutOff(): Promise<void> {
    (await lab)!.network.linkDown(this.#host!.net);
  }

  async bringBack(): Promise<void> {
    (await lab)!.network.linkUp(this.#host!.net);
  }

  unit(overrides: ContractUnitOverrides = {}): DesiredUnit {
    return contractUnit(TARGET, (version) => ({ command: 'static', args: [], workingDir: this.artifact(version), env: {}, ports: {} }), overrides);
  }

  /** `<dir>/artifacts/<version>/`: index.html, app.js and assets/logo.txt. */
  artifact(version: string): string {
    const dir = join(this.dir, 'artifacts', version);
    if (!existsSync(dir)) {
      mkdirSync(join(dir, 'assets'), { recursive: true });
      writeFileSync(join(dir, 'index.html'), `<h1>version ${version}</h1>`);
      writeFileSync(join(dir, 'app.js'), `console.log(${JSON.stringify(version)});`);
      writeFileSync(join(dir, 'assets', 'logo.txt'), 'logo');
    }
    return dir;
  }

  /** Where the web server's root points for a unit. */
  current(environment = 'dev', service = 'api'): string {
    return join(this.webRoot, environment, service, 'current');
  }

  async done(): Promise<void> {
    if (this.#host) await this.bringBack();
    for (const runtime of this.runtimes.splice(0)) await runtime.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

adapterContract('static', sandboxHarness(() => new Sandbox(), { withoutLogs: true }));

let remoteSandbox: Sandbox | undefined;
adapterContract(
  'static over ssh',
  sandboxHarness(() => (remoteSandbox = new Sandbox(true)), {
    disconnect: () => remoteSandbox!.cutOff(),
    reconnect: () => remoteSandbox!.bringBack(),
    withoutLogs: true,
  }),
);

it('refuses a relative web root', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-static-'));
  try {
    await expect(openStaticRuntime({ webRoot: 'www', keepReleases: 1 }, { target: TARGET, stateDir: dir, sealer: ephemeralSealer() })).rejects.toThrow(/absolute/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.each([
  ['static runtime', false],
  ['static runtime over ssh', true],
])('%s', (_name, remote) => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.done();
  });

  it('publishes into releases/ and switches current to it', async () => {
    sandbox = new Sandbox(remote);
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ version: '1' }));
    expect(readlinkSync(sandbox.current())).toBe('releases/hash-api-1');
    expect(readFileSync(join(sandbox.current(), 'index.html'), 'utf8')).toBe('<h1>version 1</h1>');
    expect(readFileSync(join(sandbox.current(), 'assets', 'logo.txt'), 'utf8')).toBe('logo');
  });

  it('a file changed by hand is reported as drift, naming it, and the next apply restores it', async () => {
    sandbox = new Sandbox(remote);
    const runtime = await sandbox.open();
    const unit = sandbox.unit();
    await runtime.apply(unit);
    writeFileSync(join(sandbox.current(), 'index.html'), '<h1>defaced</h1>');
    writeFileSync(join(sandbox.current(), 'extra.js'), 'evil()');
    const [drifted] = await runtime.observe();
    expect(drifted).toMatchObject({
      health: 'degraded',
      release: unit.release,
      drift: [
        { path: 'extra.js', change: 'added' },
        { path: 'index.html', change: 'changed' },
      ],
    });
    expect(drifted!.instances[0]).toMatchObject({ state: 'unhealthy', message: 'drift: extra.js added, index.html changed' });

    await runtime.apply(unit);
    const [restored] = await runtime.observe();
    expect(restored).toMatchObject({ health: 'healthy', release: unit.release });
    expect(restored!.drift).toBeUndefined();
    expect(readFileSync(join(sandbox.current(), 'index.html'), 'utf8')).toBe('<h1>version 1</h1>');
    expect(existsSync(join(sandbox.current(), 'extra.js'))).toBe(false);
    expect(readdirSync(join(sandbox.webRoot, 'dev', 'api', 'releases')).filter((n) => !n.endsWith('.json'))).toEqual(['hash-api-1.2']);
  });

  it('a removed file is drift too, and observe finds units with no local state (a fresh runtime on the same web root)', async () => {
    sandbox = new Sandbox(remote);
    await (await sandbox.open()).apply(sandbox.unit());
    rmSync(join(sandbox.current(), 'assets', 'logo.txt'));
    const [observed] = await (await sandbox.open()).observe();
    expect(observed!.drift).toEqual([{ path: 'assets/logo.txt', change: 'removed' }]);
  });

  it('keeps keepReleases releases, and a rollback to a kept one only switches the link', async () => {
    sandbox = new Sandbox(remote);
    const runtime = await sandbox.open(2);
    for (const version of ['1', '2', '3']) await runtime.apply(sandbox.unit({ version }));
    const releases = () => readdirSync(join(sandbox.webRoot, 'dev', 'api', 'releases')).filter((n) => !n.endsWith('.json')).sort();
    expect(releases()).toEqual(['hash-api-2', 'hash-api-3']);
    await runtime.apply(sandbox.unit({ version: '2' }));
    expect(readlinkSync(sandbox.current())).toBe('releases/hash-api-2');
    expect(releases()).toEqual(['hash-api-2', 'hash-api-3']);
    expect((await runtime.observe())[0]).toMatchObject({ health: 'healthy', release: { version: '2' } });
  });

  it('a missing artifact directory fails the apply and leaves the live release serving', async () => {
    sandbox = new Sandbox(remote);
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ version: '1' }));
    const broken = { ...sandbox.unit({ version: '2' }), workload: { ...sandbox.unit().workload, workingDir: join(sandbox.dir, 'absent') } };
    await expect(runtime.apply(broken)).rejects.toThrow(remote ? /api\/dev@site: publish in web root .* on \S+ failed/ : /api\/dev@site: publish in web root .* failed/);
    expect(readlinkSync(sandbox.current())).toBe('releases/hash-api-1');
    expect((await runtime.observe())[0]).toMatchObject({ health: 'healthy', release: { version: '1' } });
  });

  it('nginx serves each new release after the switch, with no failed request during the switches', async () => {
    sandbox = new Sandbox(remote);
    const runtime = await sandbox.open();
    await runtime.apply(sandbox.unit({ version: '0' }));
    const nginx = await startNginx({ root: sandbox.current() });
    try {
      let requests = 0;
      const failures: string[] = [];
      let running = true;
      const client = (async () => {
        while (running) {
          requests++;
          const response = await fetch(`${nginx.url}/index.html`).catch((error: unknown) => ({ status: String(error), text: async () => '' }));
          const body = await response.text();
          if (response.status !== 200 || !/^<h1>version \d+<\/h1>$/.test(body)) failures.push(`${response.status} ${body}`);
        }
      })();
      const switches = remote ? 5 : 20; // over SSH a switch takes about a second here
      for (let version = 1; version <= switches; version++) {
        await runtime.apply(sandbox.unit({ version: String(version) }));
        expect(await (await fetch(`${nginx.url}/`)).text()).toBe(`<h1>version ${version}</h1>`);
      }
      running = false;
      await client;
      expect(failures).toEqual([]);
      expect(requests).toBeGreaterThan(switches);
      console.log(`${_name}: ${switches} switches under nginx, ${requests} requests, ${failures.length} failed`);
    } finally {
      await nginx.stop();
    }
  });
});
