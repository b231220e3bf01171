/**
 * The observe loop on a container target (rootful Podman, `test/harness/podman.ts`), which it
 * watches rather than polls: with the loop's period and its full check an hour long, what happens
 * to a container is still recorded, from what the engine tells. A container killed is restarted
 * by the engine and recorded restarted, then healthy once its probe passes a second later (the
 * engine tells no readiness: the runtime's watch tries the probe after the start); a container
 * removed by hand is recorded gone.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObserveLoop } from '../src/converge/index.js';
import { deploy, observeUnits, Workspace } from '../src/engine/index.js';
import { LABEL } from '../src/runtimes/container/labels.js';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from './harness/podman.js';
import { projectDir, removeProject } from './helpers/projects.js';

const HOUR_MS = 3_600_000;
const dir = projectDir('container-watch', []);
let podman: PodmanService | undefined;
let ws: Workspace | undefined;

beforeAll(async () => {
  podman = await startPodman();
  await ensureTestImage(podman.docker);
  // Its probe passes a second after each start (restarted, the container keeps its files: the last start's is removed first).
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `project: container-watch
services:
  box:
    workload:
      command: "image:${TEST_IMAGE}"
      args: [sh, -c, 'busybox rm -f /www/healthz; echo hi > /www/index.html; (sleep 1; echo ok > /www/healthz) & exec httpd -f -p "$PORT" -h /www']
      ports: { http: auto }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  lab: { targets: [ctr] }
targets:
  ctr: { runtime: container, socket: ${podman.socketPath}, network: slirp4netns, readyTimeoutSeconds: 10 }
`,
  );
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  const outcome = await deploy(ws, { service: 'box', environment: 'lab', actor: 'test' });
  expect(outcome.result, outcome.message).toBe('deployed');
});

afterAll(async () => {
  await removeProject(dir, ws).catch(() => undefined);
  if (podman) await removeTargetContainers(podman.docker, 'ctr').catch(() => undefined);
  await podman?.stop();
});

describe('observe loop on a watched container target', () => {
  it('records a container killed, restarted and ready again, then one removed by hand, without polling', async () => {
    const loop = startObserveLoop(ws!, { intervalMs: HOUR_MS, fullCheckMs: HOUR_MS });
    const recorded = async () => (await ws!.store.listObserved({ target: 'ctr' })).map((u) => [u.health, u.instances.map((i) => `${i.state} ${i.restarts}`)]);
    try {
      await expect.poll(recorded).toEqual([['healthy', ['ready 0']]]);
      const [box] = await observeUnits(ws!, { service: 'box', environment: 'lab' });
      process.kill(box!.instances[0]!.pid!, 'SIGKILL');
      await expect.poll(recorded).toEqual([['healthy', ['ready 1']]]);
      const told = (await ws!.store.listEvents({ service: 'box' })).filter((e) => e.actor === 'runtime:ctr').map((e) => e.type);
      expect(told).toContain('instance.restarted');

      const [container] = await podman!.docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=ctr`] } });
      const rm = spawnSync('podman', ['rm', '-f', '-t', '0', container!.Id], { encoding: 'utf8' });
      expect(rm.status, rm.stderr).toBe(0);
      await expect.poll(recorded).toEqual([['missing', []]]);
    } finally {
      await loop.stop();
    }
  });
});
