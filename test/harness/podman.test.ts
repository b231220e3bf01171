import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from './podman.js';

describe('podman harness', () => {
  let podman: PodmanService;
  beforeAll(async () => {
    podman = await startPodman();
  });
  afterAll(async () => {
    await removeTargetContainers(podman.docker, 'harness-test');
    await podman.stop();
  });

  it('configures rootful Podman with runc, cgroupfs and 10000 nofile/nproc', async () => {
    const info = (await podman.docker.info()) as { CgroupDriver?: string; DefaultRuntime?: string };
    expect(info.CgroupDriver).toBe('cgroupfs');
    expect(info.DefaultRuntime).toBe('runc');
  });

  it('imports the test image from busybox-static, idempotently, and runs it with the ulimits', async () => {
    expect(await ensureTestImage(podman.docker)).toBe(TEST_IMAGE);
    const { Id } = await podman.docker.getImage(TEST_IMAGE).inspect();
    expect(await ensureTestImage(podman.docker)).toBe(TEST_IMAGE);
    expect((await podman.docker.getImage(TEST_IMAGE).inspect()).Id).toBe(Id);
    const container = await podman.docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', 'echo "$(ulimit -n) $(ulimit -u)"'],
      Labels: { 'io.slipway.target': 'harness-test' },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    expect(logs.subarray(8).toString().trim()).toBe('10000 10000');
  });

  it('stops the service by its pid', async () => {
    const other = await startPodman();
    await other.stop();
    await expect(other.docker.ping()).rejects.toThrow();
    await other.stop();
  });
});
