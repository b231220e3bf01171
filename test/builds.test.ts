/**
 * From a git tag to a running container, with real parts: a repository served by `git
 * http-backend`, `slipway server` with its HTTP API and webhooks, Podman building the repository's
 * Containerfile (on a base image made here, nothing pulled from outside), the CNCF registry with TLS
 * and basic auth, and the container runtime pulling the image by digest into dev.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, sources, startBuildLab, type BuildBody, type BuildLab } from './helpers/build-lab.js';
import { TEST_IMAGE } from './harness/podman.js';
import { unusedPort } from './helpers/ports.js';

let lab: BuildLab;
const buildsOf = async () => (await lab.api<BuildBody[]>('GET', '/api/v1/builds?service=web')).body;
const logOf = async (id: string) => (await lab.api<{ lines: string[] }>('GET', `/api/v1/builds/${id}/log`)).body.lines.join('\n');

beforeAll(async () => {
  lab = await startBuildLab({ target: 'builds-e2e', pollSeconds: 5 });
}, 240_000);

afterAll(async () => {
  await lab?.stop();
});

describe('a tag pushed to a repository with a Containerfile', () => {
  it('builds the image, pushes it to the registry, cuts a release naming its digest, and it answers in dev', async () => {
    const sha = await lab.git.commit(REPO, sources('one'), 'one');
    await lab.git.tag(REPO, 'v1.0.0', { commit: sha });
    const hook = await lab.pushHook('v1.0.0', sha, 'd-1');
    expect(hook.status).toBe(202);
    expect(hook.body.builds?.map((b) => `${b.service} ${b.ref}`)).toEqual(['web v1.0.0']);
    const build = await lab.endOf(hook.body.builds![0]!.id);
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'succeeded' });
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(build.image!)![1];
    expect(await lab.registry.manifestDigest('acme/web', 'v1.0.0')).toBe(digest);
    const releases = (await lab.api<{ version: string; spec: { workload: { image: string } } }[]>('GET', '/api/v1/services/web/releases')).body;
    expect(releases[0]).toMatchObject({ version: 'v1.0.0', spec: { workload: { image: `${lab.registry.address}/acme/web@${digest}` } } });
    await expect.poll(lab.answer, { timeout: 120_000, interval: 500 }).toBe('one');
    const log = await logOf(build.id);
    expect(log).toContain('podman build');
    expect(log).toContain(`pushed ${lab.registry.address}/acme/web@${digest}`);
    expect(log).not.toContain(lab.registry.password);
  }, 300_000);

  it('does nothing for a tag its patterns exclude, and the same commit is not built twice', async () => {
    const sha = await lab.git.commit(REPO, sources('candidate'), 'candidate');
    await lab.git.tag(REPO, 'v1.1.0-rc1', { commit: sha });
    const hook = await lab.pushHook('v1.1.0-rc1', sha, 'd-2');
    expect(hook.body.builds).toEqual([]);
    expect(hook.body.message).toContain('no service builds this push');
    const before = (await buildsOf()).length;
    const first = (await buildsOf()).find((b) => b.ref === 'v1.0.0')!;
    const again = await lab.api<BuildBody>('POST', '/api/v1/services/web/builds', { ref: 'v1.0.0' });
    expect(again.body.id).toBe(first.id);
    expect((await buildsOf()).length).toBe(before);
  }, 60_000);

  it('reports a failing build with its log and deploys nothing', async () => {
    const sha = await lab.git.commit(REPO, sources('broken', { broken: true }), 'broken');
    await lab.git.tag(REPO, 'v1.2.0', { commit: sha });
    const hook = await lab.pushHook('v1.2.0', sha, 'd-3');
    const build = await lab.endOf(hook.body.builds![0]!.id);
    expect(build.status).toBe('failed');
    expect(build.message).toContain('podman build failed');
    expect(build.releaseId).toBeNull();
    const log = await logOf(build.id);
    expect(log).toContain('RUN exit 3');
    expect(await lab.answer()).toBe('one');
  }, 300_000);

  it('builds two tags pushed together and deploys the newer', async () => {
    const older = await lab.git.commit(REPO, sources('two'), 'two');
    await lab.git.tag(REPO, 'v2.0.0', { commit: older });
    const newer = await lab.git.commit(REPO, sources('three'), 'three');
    await lab.git.tag(REPO, 'v2.1.0', { commit: newer });
    const hooks = await Promise.all([lab.pushHook('v2.1.0', newer, 'd-5'), lab.pushHook('v2.0.0', older, 'd-4')]);
    const built = await Promise.all(hooks.map((h) => lab.endOf(h.body.builds![0]!.id)));
    expect(built.map((b) => b.status)).toEqual(['succeeded', 'succeeded']);
    expect(built[1]!.message).toContain('not promoted: v2.1.0 is newer');
    await expect.poll(lab.answer, { timeout: 120_000, interval: 500 }).toBe('three');
  }, 400_000);

  it('finds a tag no webhook announced by polling the repository', async () => {
    const sha = await lab.git.commit(REPO, sources('four'), 'four');
    await lab.git.tag(REPO, 'v3.0.0', { commit: sha });
    await expect.poll(async () => (await buildsOf()).find((b) => b.ref === 'v3.0.0'), { timeout: 60_000, interval: 500 }).toMatchObject({ ref: 'v3.0.0' });
    const build = (await buildsOf()).find((b) => b.ref === 'v3.0.0')!;
    expect((await lab.endOf(build.id)).status).toBe('succeeded');
    await expect.poll(lab.answer, { timeout: 120_000, interval: 500 }).toBe('four');
  }, 300_000);

  it('survives the registry restarting during a push', async () => {
    const sha = await lab.git.commit(REPO, sources('five'), 'five');
    await lab.git.tag(REPO, 'v4.0.0', { commit: sha });
    await lab.registry.pause();
    const hook = await lab.pushHook('v4.0.0', sha, 'd-6');
    const id = hook.body.builds![0]!.id;
    await expect.poll(() => logOf(id), { timeout: 240_000, interval: 500 }).toContain('the push failed; trying again');
    await lab.registry.restart();
    const build = await lab.endOf(id);
    expect(build.status, build.message).toBe('succeeded');
    await expect.poll(lab.answer, { timeout: 120_000, interval: 500 }).toBe('five');
  }, 400_000);
});

describe('a build asked for by a person', () => {
  it('slipway build follows the log to the end, through the server', async () => {
    const sha = await lab.git.commit(REPO, sources('six'), 'six');
    await lab.git.tag(REPO, 'v5.0.0', { commit: sha });
    const built = await lab.cli(['build', 'web', '--ref', 'v5.0.0']);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    expect(built.stdout).toContain(`build b-`);
    expect(built.stdout).toContain('podman build');
    expect(built.stdout).toMatch(/succeeded, built .* as release v5\.0\.0/);
    await expect.poll(lab.answer, { timeout: 120_000, interval: 500 }).toBe('six');
  }, 300_000);

  it('cancels a running build, which deploys nothing', async () => {
    const sha = await lab.git.commit(REPO, sources('slow', { steps: ['sleep 120'] }), 'slow');
    await lab.git.tag(REPO, 'v6.0.0', { commit: sha });
    const { body: build } = await lab.api<BuildBody>('POST', '/api/v1/services/web/builds', { ref: 'v6.0.0' });
    await expect.poll(() => logOf(build.id), { timeout: 120_000, interval: 300 }).toContain('sleep 120');
    const cancelled = await lab.cli(['builds', 'cancel', build.id]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect((await lab.endOf(build.id)).status).toBe('cancelled');
    expect(await lab.answer()).toBe('six');
  }, 300_000);
});

describe('a Backstage component onboarded as it is', () => {
  it('whose source location is a repository with a Containerfile, builds and deploys', async () => {
    const port = unusedPort();
    const containerfile = [`FROM ${TEST_IMAGE}`, 'COPY index.html /www/index.html', `CMD ["httpd", "-f", "-p", "${port}", "-h", "/www"]`, ''].join('\n');
    const sha = await lab.git.createRepository('shop/api', { 'index.html': 'from-backstage\n', Containerfile: containerfile });
    await lab.git.tag('shop/api', 'v1.0.0', { commit: sha });
    const catalog = `apiVersion: backstage.io/v1alpha1
kind: System
metadata: { name: shop }
spec: { owner: team-shop }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: api
  namespace: shop
  annotations:
    backstage.io/source-location: url:${lab.git.url('shop/api')}
spec:
  type: service
  lifecycle: production
  owner: team-shop
  system: shop
  providesApis: [shop-api]
`;
    writeFileSync(join(lab.dir, 'catalog-info.yaml'), catalog);
    const onboarded = await lab.cli(['onboard', join(lab.dir, 'catalog-info.yaml')]);
    expect(onboarded.code, onboarded.stdout + onboarded.stderr).toBe(0);
    const built = await lab.cli(['build', 'shop-api']);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    const answer = async () => (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.text(), () => '')).trim();
    await expect.poll(answer, { timeout: 120_000, interval: 500 }).toBe('from-backstage');
    const entity = await lab.api<{ name: string }>('GET', `/api/v1/entities/${encodeURIComponent('component:shop/api')}`);
    expect(entity.body).toMatchObject({ name: 'shop-api', catalog: { entityRef: 'component:shop/api', system: 'shop', providesApis: ['shop-api'] } });
    expect(entity.body).toMatchObject({ environments: expect.arrayContaining([expect.objectContaining({ environment: 'dev', release: 'v1.0.0' })]) });
  }, 300_000);
});
