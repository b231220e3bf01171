/**
 * Images pinned by digest, pulled from a real registry with a login from the secret store, through
 * the CLI on Podman: two images made here are pushed to the test registry (TLS, basic auth) and
 * removed from the engine; deploying the first pulls it and it answers; the second, deployed with
 * a wrong password, fails naming its image and registry — never the password — and the first
 * release keeps answering.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from './harness/podman.js';
import { startRegistry, type RegistryServer } from './harness/registry.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { unusedPort } from './helpers/ports.js';

/** Its own per test process, so that two runs on one machine never touch each other's containers. */
const TARGET = `registry-pull-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'slipway-registry-pull-'));
const port = unusedPort();
const WRONG_PASSWORD = 'not-the-registry-password-7f3a';
let podman: PodmanService;
let registry: RegistryServer;
/** The pushed images by digest, each answering its own word at `/`. */
const pinned: Record<'one' | 'two', string> = { one: '', two: '' };

const cli = (args: string[], input?: string): Promise<CliResult> => runCli(['--project', dir, ...args], { ...(input !== undefined && { input }) });

/** Builds an image on {@link TEST_IMAGE} serving `word`, pushes it as `slipway/web:<word>`, removes it from the engine; returns it by digest. */
async function pushed(word: 'one' | 'two'): Promise<string> {
  const context = mkdtempSync(join(tmpdir(), 'slipway-registry-image-'));
  const local = `localhost/slipway-registry-pull:${word}-${process.pid}`;
  try {
    writeFileSync(join(context, 'index.html'), `${word}\n`);
    writeFileSync(join(context, 'Containerfile'), `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\n`);
    const build = spawnSync('podman', ['build', '--pull=never', '-t', local, context], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`podman build failed: ${build.stderr}`);
    const reference = await registry.push(local, 'slipway/web', word);
    await podman.docker.getImage(local).remove();
    return reference;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

function onEngine(image: string): Promise<boolean> {
  return podman.docker.getImage(image).inspect().then(() => true, () => false);
}

/** The project, running `image` on a container target; the registry's login reads secret `registry-password`. */
function project(image: string): string {
  return `project: pull
registries:
  "${registry.address}": { username: ${registry.username}, password: "secret:registry-password" }
services:
  web:
    workload:
      image: "${image}"
      command: sh
      args: [-c, "exec httpd -f -p ${port} -h /www"]
      ports: { http: ${port} }
      readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  dev: { targets: [${TARGET}] }
targets:
  ${TARGET}: { runtime: container, socket: ${podman.socketPath}, network: host, readyTimeoutSeconds: 10 }
`;
}

async function answer(): Promise<string> {
  return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) })).text()).trim();
}

beforeAll(async () => {
  [podman, registry] = await Promise.all([startPodman(), startRegistry()]);
  await ensureTestImage(podman.docker);
  pinned.one = await pushed('one');
  pinned.two = await pushed('two');
}, 120_000);

afterAll(async () => {
  await cli(['down']).catch(() => undefined);
  if (podman) {
    await removeTargetContainers(podman.docker, TARGET);
    await Promise.all(Object.values(pinned).filter(Boolean).map((image) => podman.docker.getImage(image).remove().catch(() => undefined)));
  }
  await registry?.stop();
  await podman?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an image pinned by digest, pulled from a registry with a login from the secret store', () => {
  it('is pulled when missing from the engine, and runs', async () => {
    expect(await onEngine(pinned.one)).toBe(false);
    writeFileSync(join(dir, 'slipway.yaml'), project(pinned.one));
    expect((await cli(['secret', 'set', 'registry-password'], registry.password)).code).toBe(0);
    const deploy = await cli(['deploy', 'web', '--env', 'dev']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(await onEngine(pinned.one)).toBe(true);
    expect(await answer()).toBe('one');
  }, 120_000);

  it('with a wrong password, fails naming the image and the registry, not the password, and the previous release keeps running', async () => {
    expect((await cli(['secret', 'set', 'registry-password'], WRONG_PASSWORD)).code).toBe(0);
    writeFileSync(join(dir, 'slipway.yaml'), project(pinned.two));
    const deploy = await cli(['deploy', 'web', '--env', 'dev']);
    const output = deploy.stdout + deploy.stderr;
    expect(deploy.code, output).not.toBe(0);
    expect(output).toContain(`pulling image ${pinned.two} from registry ${registry.address}`);
    expect(output).not.toContain(WRONG_PASSWORD);
    expect(output).not.toContain(registry.password);
    expect(await onEngine(pinned.two)).toBe(false);
    expect(await answer()).toBe('one');
  }, 120_000);
});
