import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../engine/index.js';
import { main } from './main.js';

/** Characters a terminal acts on: ESC, CSI (C1), a right-to-left override. */
const UNSAFE = ['\u001b', '\u009b', '\u202e'];
const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-main-'));

/** Runs the CLI in this process on the test project; what it wrote to stdout and stderr. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'slipway', '--project', dir, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  writeFileSync(
    join(dir, 'slipway.yaml'),
    'project: cli-main\nservices:\n  web:\n    workload: { command: node }\nenvironments:\n  dev: { targets: [nowhere] }\ntargets:\n  nowhere: { runtime: "null" }\n',
  );
  // Records from before versions had a rule: a release and events that hold escape sequences.
  const ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  try {
    await ws.store.putRelease({ service: 'web', version: 'v1\u001b[2J\u009b31m\u202e', artifactDigest: null, specHash: 'x', spec: { workload: { command: 'node' } } as never, createdBy: 'mallory\u001b]0;pwned\u0007' });
    await ws.store.appendEvent({ type: 'release.created', actor: 'mallory\u001b[2J', service: 'web', message: 'mallory cut web v1\u001b[2J\u202e', data: {} });
  } finally {
    await ws.close();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI', () => {
  it('refuses a version, a service or an environment that breaks its rule before it calls anything', async () => {
    const elsewhere = ['--project', join(dir, 'missing')];
    for (const args of [['release', 'create', 'web', '--version', 'v1\u001b[2J'], ['deploy', 'web', '-e', 'dev', '--version', 'v1\u0000'], ['events', '--service', 'w\u0000eb'], ['logs', 'web', '-e', 'd\u202eev']]) {
      const out: string[] = [];
      const code = await main(['node', 'slipway', ...elsewhere, ...args], { out: (t) => out.push(t), err: (t) => out.push(t) });
      expect([code, out.join('\n')], args.join(' ')).toEqual([2, expect.stringMatching(/is not a valid (release version|service name|environment name): expected/)]);
      for (const unsafe of [...UNSAFE, '\u0000']) expect(out.join('\n')).not.toContain(unsafe);
    }
  });

  it('prints recorded events and releases with old bad versions safely, as tables and as JSON', async () => {
    for (const args of [['events'], ['events', '--json'], ['release', 'list', 'web'], ['release', 'list', 'web', '--json']]) {
      const { code, out } = await run(...args);
      expect(code, args.join(' ')).toBe(0);
      expect(out).toContain('v1\\u001b[2J');
      for (const unsafe of UNSAFE) expect(out, args.join(' ')).not.toContain(unsafe);
    }
    const [release] = JSON.parse((await run('release', 'list', 'web', '--json')).out) as { version: string }[];
    expect(release!.version).toBe('v1\u001b[2J\u009b31m\u202e');
  });

  it('validates HAProxy names in the project file, naming file, line and column', async () => {
    const file = join(dir, 'haproxy.yaml');
    writeFileSync(
      file,
      `project: lb
services:
  web:
    workload: { command: node }
environments:
  dev: { targets: [hosts] }
targets:
  hosts:
    runtime: ssh
    identityFile: /k
    hosts: [{ name: web-1, address: 10.0.0.1, hostKeys: ["SHA256:${'A'.repeat(43)}"] }]
    haproxy: { socket: /run/haproxy.sock, backend: "web;shutdown sessions server web/web-1" }
`,
    );
    const out: string[] = [];
    const code = await main(['node', 'slipway', '--project', file, 'validate'], { out: (t) => out.push(t), err: (t) => out.push(t) });
    expect([code, out.join('\n')]).toEqual([2, expect.stringContaining(`${file}:12:52: targets.hosts.haproxy.backend: expected an HAProxy name of letters, digits`)]);
  });

  it('escapes its error messages too', async () => {
    const { code, err } = await run('\u001b[2Jdeploy');
    expect(code).toBe(2);
    expect(err).toContain("unknown command '\\u001b[2Jdeploy'");
    expect(err).not.toContain('\u001b');
  });

  it('tells the process which command runs before it does, and nothing for help or a usage error', async () => {
    const commands: string[] = [];
    const hooks = { beforeCommand: (command: string) => commands.push(command) };
    const quiet = { out: () => {}, err: () => {} };
    for (const args of [['history', 'web'], ['secret', 'list'], ['deploy', '--help'], ['deploy'], ['nonsense']]) {
      await main(['node', 'slipway', '--project', dir, ...args], quiet, hooks);
    }
    expect(commands).toEqual(['history', 'secret list']);
  });
});
