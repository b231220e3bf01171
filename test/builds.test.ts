/**
 * From a git tag to a running container, with real parts: a repository served by `git
 * http-backend`, `slipway server` with its HTTP API and webhooks, Podman building the repository's
 * Containerfile (on a base image made here, nothing pulled from outside), the CNCF registry with TLS
 * and basic auth, and the container runtime pulling the image by digest into dev.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from './harness/git-server.js';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from './harness/podman.js';
import { startRegistry, type RegistryServer } from './harness/registry.js';
import { runCli, startCli, type RunningCli } from './helpers/cli.js';
import { unusedPort } from './helpers/ports.js';

const TARGET = 'builds-e2e';
const REPO = 'acme/web';
const dir = mkdtempSync(join(tmpdir(), 'slipway-builds-'));
const appPort = unusedPort();
const apiPort = unusedPort();
const WEBHOOK_SECRET = `wh-${Math.random().toString(36).slice(2)}`;
let podman: PodmanService;
let registry: RegistryServer;
let git: GitServer;
let server: RunningCli;
let token: string;

const cli = (args: string[], input?: string) => runCli(['--project', dir, ...args], { ...(input !== undefined && { input }) });

/** The repository's files at a version: a Containerfile serving `word` at `/`, or one whose build fails. */
function sources(word: string, options: { broken?: boolean } = {}): Record<string, string> {
  return {
    'index.html': `${word}\n`,
    Containerfile: [`FROM ${TEST_IMAGE}`, 'COPY index.html /www/index.html', ...(options.broken ? ['RUN exit 3'] : []), ''].join('\n'),
  };
}

function project(): string {
  return `project: builds
builds: { registry: "${registry.address}/acme" }
registries:
  "${registry.address}": { username: ${registry.username}, password: "secret:registry-password" }
services:
  web:
    source: { repository: "${git.url(REPO)}", tags: ["v*", "!*-rc*"], pollSeconds: 5 }
    workload:
      command: sh
      args: [-c, "exec httpd -f -p ${appPort} -h /www"]
      ports: { http: ${appPort} }
      readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  dev: { targets: [${TARGET}] }
  prod: { targets: [${TARGET}], promotesFrom: [dev], autoPromote: false }
targets:
  ${TARGET}: { runtime: container, socket: ${podman.socketPath}, network: host, readyTimeoutSeconds: 20 }
`;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Sends a GitHub push of `tag` at `sha`, signed with the shared secret. */
async function pushHook(tag: string, sha: string, delivery: string): Promise<{ status: number; body: { result: string; message: string; builds?: { id: string; service: string; ref: string }[] } }> {
  const body = JSON.stringify({ ref: `refs/tags/${tag}`, after: sha, deleted: false, repository: { full_name: REPO }, pusher: { name: 'ann' } });
  const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature },
    body,
  });
  return { status: res.status, body: (await res.json()) as never };
}

interface BuildBody {
  id: string;
  ref: string;
  status: string;
  message: string;
  image: string | null;
  releaseId: string | null;
}

const buildsOf = async () => (await api<BuildBody[]>('GET', '/api/v1/builds?service=web')).body;
const ended = (b: BuildBody) => ['succeeded', 'failed', 'cancelled'].includes(b.status);
async function endOf(id: string): Promise<BuildBody> {
  await expect.poll(async () => ended((await api<BuildBody>('GET', `/api/v1/builds/${id}`)).body), { timeout: 240_000, interval: 500 }).toBe(true);
  return (await api<BuildBody>('GET', `/api/v1/builds/${id}`)).body;
}
async function answer(): Promise<string> {
  try {
    return (await (await fetch(`http://127.0.0.1:${appPort}/`, { signal: AbortSignal.timeout(3_000) })).text()).trim();
  } catch {
    return '(no answer)';
  }
}

beforeAll(async () => {
  [podman, registry, git] = await Promise.all([startPodman(), startRegistry(), startGitServer()]);
  await ensureTestImage(podman.docker);
  await git.createRepository(REPO, sources('zero'));
  writeFileSync(join(dir, 'slipway.yaml'), project());
  for (const [name, value] of [['registry-password', registry.password], ['webhook-github', WEBHOOK_SECRET]] as const) {
    const set = await cli(['secret', 'set', name], value);
    expect(set.code, set.stderr).toBe(0);
  }
  const created = await cli(['token', 'create', 'ci', '--role', 'admin', '--json']);
  expect(created.code, created.stderr).toBe(0);
  token = (JSON.parse(created.stdout) as { secret: string }).secret;
  server = startCli(['--project', dir, 'server', '--port', String(apiPort)]);
  await server.waitFor('Slipway serves', 120_000);
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await cli(['down']).catch(() => undefined);
  if (podman) await removeTargetContainers(podman.docker, TARGET);
  await Promise.all([registry?.stop(), git?.stop()]);
  await podman?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a tag pushed to a repository with a Containerfile', () => {
  it('builds the image, pushes it to the registry, cuts a release naming its digest, and it answers in dev', async () => {
    const sha = await git.commit(REPO, sources('one'), 'one');
    await git.tag(REPO, 'v1.0.0', { commit: sha });
    const hook = await pushHook('v1.0.0', sha, 'd-1');
    expect(hook.status).toBe(202);
    expect(hook.body.builds?.map((b) => `${b.service} ${b.ref}`)).toEqual(['web v1.0.0']);
    const build = await endOf(hook.body.builds![0]!.id);
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'succeeded' });
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(build.image!)![1];
    expect(await registry.manifestDigest('acme/web', 'v1.0.0')).toBe(digest);
    const releases = (await api<{ version: string; spec: { workload: { image: string } } }[]>('GET', '/api/v1/services/web/releases')).body;
    expect(releases[0]).toMatchObject({ version: 'v1.0.0', spec: { workload: { image: `${registry.address}/acme/web@${digest}` } } });
    await expect.poll(answer, { timeout: 120_000, interval: 500 }).toBe('one');
    const log = (await api<{ lines: string[] }>('GET', `/api/v1/builds/${build.id}/log`)).body.lines.join('\n');
    expect(log).toContain('podman build');
    expect(log).toContain(`pushed ${registry.address}/acme/web@${digest}`);
    expect(log).not.toContain(registry.password);
  }, 300_000);

  it('does nothing for a tag its patterns exclude, and the same commit is not built twice', async () => {
    const sha = await git.commit(REPO, sources('candidate'), 'candidate');
    await git.tag(REPO, 'v1.1.0-rc1', { commit: sha });
    const hook = await pushHook('v1.1.0-rc1', sha, 'd-2');
    expect(hook.body.builds).toEqual([]);
    expect(hook.body.message).toContain('no service builds this push');
    const before = (await buildsOf()).length;
    const first = (await buildsOf()).find((b) => b.ref === 'v1.0.0')!;
    const again = await api<BuildBody>('POST', '/api/v1/services/web/builds', { ref: 'v1.0.0' });
    expect(again.body.id).toBe(first.id);
    expect((await buildsOf()).length).toBe(before);
  }, 60_000);

  it('reports a failing build with its log and deploys nothing', async () => {
    const sha = await git.commit(REPO, sources('broken', { broken: true }), 'broken');
    await git.tag(REPO, 'v1.2.0', { commit: sha });
    const hook = await pushHook('v1.2.0', sha, 'd-3');
    const build = await endOf(hook.body.builds![0]!.id);
    expect(build.status).toBe('failed');
    expect(build.message).toContain('podman build failed');
    expect(build.releaseId).toBeNull();
    const log = (await api<{ lines: string[] }>('GET', `/api/v1/builds/${build.id}/log`)).body.lines.join('\n');
    expect(log).toContain('RUN exit 3');
    expect(await answer()).toBe('one');
  }, 300_000);

  it('builds two tags pushed together and deploys the newer', async () => {
    const older = await git.commit(REPO, sources('two'), 'two');
    await git.tag(REPO, 'v2.0.0', { commit: older });
    const newer = await git.commit(REPO, sources('three'), 'three');
    await git.tag(REPO, 'v2.1.0', { commit: newer });
    const hooks = await Promise.all([pushHook('v2.1.0', newer, 'd-5'), pushHook('v2.0.0', older, 'd-4')]);
    const built = await Promise.all(hooks.map((h) => endOf(h.body.builds![0]!.id)));
    expect(built.map((b) => b.status)).toEqual(['succeeded', 'succeeded']);
    expect(built[1]!.message).toContain('not promoted: v2.1.0 is newer');
    await expect.poll(answer, { timeout: 120_000, interval: 500 }).toBe('three');
  }, 400_000);

  it('finds a tag no webhook announced by polling the repository', async () => {
    const sha = await git.commit(REPO, sources('four'), 'four');
    await git.tag(REPO, 'v3.0.0', { commit: sha });
    await expect.poll(async () => (await buildsOf()).find((b) => b.ref === 'v3.0.0'), { timeout: 60_000, interval: 500 }).toMatchObject({ ref: 'v3.0.0' });
    const build = (await buildsOf()).find((b) => b.ref === 'v3.0.0')!;
    expect((await endOf(build.id)).status).toBe('succeeded');
    await expect.poll(answer, { timeout: 120_000, interval: 500 }).toBe('four');
  }, 300_000);

  it('survives the registry restarting during a push', async () => {
    const sha = await git.commit(REPO, sources('five'), 'five');
    await git.tag(REPO, 'v4.0.0', { commit: sha });
    await registry.pause();
    const hook = await pushHook('v4.0.0', sha, 'd-6');
    const id = hook.body.builds![0]!.id;
    await expect.poll(async () => (await api<{ lines: string[] }>('GET', `/api/v1/builds/${id}/log`)).body.lines.join('\n'), { timeout: 240_000, interval: 500 }).toContain('the push failed; trying again');
    await registry.restart();
    const build = await endOf(id);
    expect(build.status, build.message).toBe('succeeded');
    await expect.poll(answer, { timeout: 120_000, interval: 500 }).toBe('five');
  }, 400_000);
});
