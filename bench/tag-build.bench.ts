/**
 * From a tag to a running container, by the user's path: a tag pushed to a repository served by
 * `git http-backend` and announced by a signed webhook to `slipway server`, which builds the
 * Containerfile of a small Node.js service (this machine's `node` on the busybox test image, so
 * nothing is pulled) with Podman, pushes to the CNCF registry (TLS, basic auth), and deploys into dev.
 * Measured: webhook → build started (the server's own start time of the build), tag push →
 * answering in dev, a first build (a slow RUN step not cached) and rebuilds whose only change is
 * the last layer, each rebuild alternated with the honest floor — the same steps by a shell
 * (`git clone` of the tag, `podman build`, `podman push`), on the same layer cache.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authJson, runStep } from '../src/build/index.js';
import { nodeSources, REPO, startBuildLab, type BuildLab } from '../test/helpers/build-lab.js';
import type { Benchmark, Result } from './types.js';

const ROUNDS = 5;
/** A step worth caching: 64 MiB written by `dd`, salted per run so that the first build is cold. */
const slowStep = (salt: string) => `echo ${salt} > /salt && dd if=/dev/zero of=/blob bs=1M count=64 2>/dev/null`;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: readonly number[]) => `min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))}`;

/** Milliseconds from `since` until dev answers `word`, polling every 20 ms. */
async function untilAnswering(lab: BuildLab, word: string, since: number): Promise<number> {
  for (const deadline = since + 180_000; (await lab.answer()) !== word; ) {
    if (Date.now() > deadline) throw new Error(`dev did not answer ${word}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  return Date.now() - since;
}

/** The floor: clone the tag, build, push, by a shell, as a CI script would; milliseconds. (Run without blocking: the git server answers in this process.) */
async function floorBuild(lab: BuildLab, tag: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-floor-'));
  try {
    writeFileSync(join(dir, 'auth.json'), authJson(lab.registry.address, { username: lab.registry.username, password: lab.registry.password }), { mode: 0o600 });
    const image = `${lab.registry.address}/floor/web:${tag}`;
    const script = `set -e; git -c advice.detachedHead=false clone -q --depth 1 --branch ${tag} ${lab.git.url(REPO)} src; podman build -q --layers -t ${image} src >/dev/null; podman push -q --authfile auth.json ${image}`;
    const started = Date.now();
    await runStep('the floor build', 'sh', ['-c', script], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
    return Date.now() - started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const benchmark: Benchmark = {
  name: 'tag-build',
  description: `a small Node.js service: tag → webhook → Podman build → registry → dev on a container target (${ROUNDS} rounds), rebuilds alternated with a shell doing clone, build, push`,
  async run(): Promise<Result[]> {
    const lab = await startBuildLab({ target: 'bench-tag-build', node: true });
    const salt = `${process.pid}-${Date.now()}`;
    try {
      const toStart: number[] = [];
      const toAnswer: number[] = [];
      const rebuilds: number[] = [];
      const floors: number[] = [];
      let first = 0;
      for (let round = 0; round <= ROUNDS; round++) {
        const word = `round-${round}`;
        const tag = `v1.${round}.0`;
        const sha = await lab.git.commit(REPO, nodeSources(word, { steps: [slowStep(salt)] }), word);
        const pushed = Date.now();
        await lab.git.tag(REPO, tag, { commit: sha });
        const sent = Date.now();
        const hook = await lab.pushHook(tag, sha, `bench-${salt}-${round}`);
        const build = await lab.endOf(hook.body.builds![0]!.id);
        if (build.status !== 'succeeded') throw new Error(`build ${tag} ${build.status}: ${build.message}`);
        const answered = await untilAnswering(lab, word, pushed);
        const took = Date.parse(build.finishedAt!) - Date.parse(build.startedAt!);
        if (round === 0) {
          first = took; // cold: the slow step ran
          continue;
        }
        toStart.push(Date.parse(build.startedAt!) - sent);
        toAnswer.push(answered);
        rebuilds.push(took);
        floors.push(await floorBuild(lab, tag));
      }
      return [
        { measure: `webhook → build started: median of ${ROUNDS} (${spread(toStart)})`, value: median(toStart), unit: 'ms', target: 1000 },
        { measure: `tag push → answering in dev: median of ${ROUNDS} (${spread(toAnswer)})`, value: median(toAnswer), unit: 'ms' },
        { measure: 'first build, the slow step not cached (checkout, build, push)', value: first, unit: 'ms' },
        { measure: `rebuild, only the last layer changed: median of ${ROUNDS} (${spread(rebuilds)})`, value: median(rebuilds), unit: 'ms' },
        { measure: `floor: a shell cloning, building, pushing the same: median of ${ROUNDS} (${spread(floors)})`, value: median(floors), unit: 'ms' },
        { measure: 'rebuild / floor (median over median)', value: median(rebuilds) / median(floors), unit: '×', target: 1.3 },
      ];
    } finally {
      await lab.stop();
    }
  },
};

export default benchmark;
