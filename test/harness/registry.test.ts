/**
 * The test registry: it takes a push by `podman push` with its login, shows the image through its
 * HTTP API, refuses a wrong password, keeps what it stores across a restart, and leaves nothing
 * behind (not even Podman's trust of its CA) when stopped.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImage, startPodman, TEST_IMAGE, type PodmanService } from './podman.js';
import { basic, httpsRequest, startRegistry, type RegistryServer } from './registry.js';

let podman: PodmanService;
let registry: RegistryServer;
beforeAll(async () => {
  podman = await startPodman();
  await ensureTestImage(podman.docker);
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
  await podman?.stop();
});

describe('startRegistry', () => {
  it('serves TLS on 127.0.0.1 with basic auth: a push with its login is listed by tag and digest', async () => {
    expect(registry.address).toBe(`127.0.0.1:${registry.port}`);
    const pinned = await registry.push(TEST_IMAGE, 'slipway/harness', 'v1');
    expect(pinned).toMatch(new RegExp(`^127\\.0\\.0\\.1:${registry.port}/slipway/harness@sha256:[0-9a-f]{64}$`));
    expect(await registry.tags('slipway/harness')).toEqual(['v1']);
    expect(await registry.manifestDigest('slipway/harness', 'v1')).toBe(pinned.split('@')[1]);
    expect(await registry.tags('slipway/absent')).toEqual([]);
    expect(await registry.manifestDigest('slipway/harness', 'v2')).toBeUndefined();
  });

  it('refuses a wrong password and no password', async () => {
    const ask = (authorization?: string) =>
      httpsRequest({ port: registry.port, caFile: registry.caFile, method: 'GET', path: '/v2/', headers: authorization ? { authorization } : {} });
    expect((await ask(basic(registry.username, registry.password))).status).toBe(200);
    expect((await ask(basic(registry.username, `${registry.password}x`))).status).toBe(401);
    expect((await ask()).status).toBe(401);
  });

  it('keeps its images across a restart on the same port', async () => {
    const pinned = await registry.push(TEST_IMAGE, 'slipway/kept', 'v1');
    await registry.restart();
    expect(registry.address).toBe(`127.0.0.1:${registry.port}`);
    expect(await registry.manifestDigest('slipway/kept', 'v1')).toBe(pinned.split('@')[1]);
  });

  it('stops: removes Podman\'s trust of its CA, and answers no more', async () => {
    const other = await startRegistry();
    const certs = `/etc/containers/certs.d/${other.address}`;
    expect(existsSync(`${certs}/ca.crt`)).toBe(true);
    await other.stop();
    expect(existsSync(certs)).toBe(false);
    await expect(other.tags('anything')).rejects.toThrow();
  });
});
