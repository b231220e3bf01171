import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Target } from '../inputs/schema.js';
import { ephemeralSealer } from '../secrets/index.js';
import { openRuntime, RUNTIME_MODULES, runtimeModule } from './registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The packages `node --import tsx <args>` had loaded by the time it exited. */
function heavyPackagesLoaded(args: readonly string[]): string[] {
  const hook = `data:text/javascript,${encodeURIComponent(`
    import { createRequire } from 'node:module';
    const loaded = createRequire(process.cwd() + '/').cache;
    process.on('exit', () => {
      const names = Object.keys(loaded).map((f) => /node_modules\\/(ssh2|dockerode)\\//.exec(f)?.[1]).filter(Boolean);
      process.stderr.write('LOADED ' + JSON.stringify([...new Set(names)]) + '\\n');
    });`)}`;
  const { stderr } = spawnSync(process.execPath, ['--import', 'tsx', '--import', hook, ...args], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(/LOADED (.*)/.exec(stderr)?.[1] ?? 'null') as string[];
}

describe('runtime registry', () => {
  it('lists each kind once, as its settings name it', () => {
    const kinds = RUNTIME_MODULES.map((module) => module.kind);
    expect(kinds).toEqual(['process', 'null', 'container', 'static', 'ssh']);
    for (const module of RUNTIME_MODULES) expect(module.settings.shape.runtime.value).toBe(module.kind);
    expect(runtimeModule('ssh')).toBe(RUNTIME_MODULES[4]);
    expect(runtimeModule('kubernetes')).toBeUndefined();
  });

  it('builds the project schema from the modules: every kind, and nothing else', () => {
    expect(Target.parse({ runtime: 'null' })).toEqual({ runtime: 'null' });
    expect(Target.parse({ runtime: 'process' })).toMatchObject({ runtime: 'process', logKeep: 3 });
    expect(Target.safeParse({ runtime: 'kubernetes' }).success).toBe(false);
  });

  it('resolves paths of settings against the project directory, in each module', () => {
    const ssh = Target.parse({
      runtime: 'ssh',
      hosts: [{ name: 'web-1', address: '10.0.0.1', hostKeys: ['SHA256:' + 'A'.repeat(43)] }],
      identityFile: 'keys/id',
      knownHosts: '/etc/ssh/known',
      haproxy: { socket: 'run/haproxy.sock', backend: 'web' },
    });
    expect(runtimeModule('ssh')!.resolvePaths!(ssh, '/srv/project')).toMatchObject({
      identityFile: '/srv/project/keys/id',
      knownHosts: '/etc/ssh/known',
      haproxy: { socket: '/srv/project/run/haproxy.sock' },
      baseDir: '/var/lib/slipway',
    });
    const local = Target.parse({ runtime: 'static', webRoot: 'www' });
    expect(runtimeModule('static')!.resolvePaths!(local, '/srv/project')).toMatchObject({ webRoot: '/srv/project/www' });
    const remote = Target.parse({ runtime: 'static', webRoot: '/var/www', ssh: { identityFile: 'id', host: { name: 'edge', address: 'edge.example.com', hostKeys: ['SHA256:' + 'A'.repeat(43)] } } });
    expect(runtimeModule('static')!.resolvePaths!(remote, '/srv/project')).toMatchObject({ webRoot: '/var/www', ssh: { identityFile: '/srv/project/id' } });
  });

  it('gives each target a state directory of its own, except a process target that names its baseDir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-registry-'));
    dirs.push(dir);
    const module = runtimeModule('process')!;
    expect(module.stateDir!(Target.parse({ runtime: 'process', baseDir: 'state' }), dir)).toBe(join(dir, 'state'));
    expect(module.stateDir!(Target.parse({ runtime: 'process' }), dir)).toBeUndefined();
    const adapter = await openRuntime(Target.parse({ runtime: 'process', baseDir: 'state' }), { projectDir: dir, stateDir: join(dir, 'default') }, { target: 'local', sealer: ephemeralSealer() });
    await adapter.close();
    expect(adapter.kind).toBe('process');
    expect(existsSync(join(dir, 'state', 'units'))).toBe(true);
    expect(existsSync(join(dir, 'default'))).toBe(false);
  });

  it('loads ssh2 and dockerode only when a target of their kind opens', () => {
    expect(heavyPackagesLoaded(['src/cli/bin.ts', 'help'])).toEqual([]);
    expect(heavyPackagesLoaded(['-e', "await import('./src/inputs/schema.ts'); await import('./src/runtimes/index.ts');"])).toEqual([]);
    // The probe itself sees a package that loads.
    expect(heavyPackagesLoaded(['-e', "await import('./src/runtimes/ssh/ssh-runtime.ts');"])).toEqual(['ssh2']);
  });
});
