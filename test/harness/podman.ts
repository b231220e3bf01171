/**
 * Rootful Podman for tests: configures it (`scripts/podman-setup.sh`: runc, cgroupfs, ulimits),
 * serves the Docker Engine API on a unix socket in a temporary directory (`podman system service`,
 * stopped by its pid), and builds the test image from busybox-static — never pulled. Missing
 * programs fail loudly, naming the Debian package to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { LABEL } from '../../src/runtimes/container/labels.js';

/** The image every container test runs: busybox (sh, httpd, wget…) and nothing else, ~2 MB. Bump the tag when its content changes. */
export const TEST_IMAGE = 'localhost/slipway-test:1';

/** Busybox applets linked in the test image's `/bin`. */
const APPLETS = ['sh', 'httpd', 'echo', 'cat', 'sleep', 'mkdir', 'wget', 'ls', 'kill'];
const SETUP_SCRIPT = fileURLToPath(new URL('../../scripts/podman-setup.sh', import.meta.url));
const READY_TIMEOUT_MS = 15_000;

/** A running `podman system service`. */
export interface PodmanService {
  /** Unix socket serving the Docker Engine API. */
  readonly socketPath: string;
  /** A dockerode client on that socket. */
  readonly docker: Dockerode;
  /** Stops the API service only, as if the engine were out of reach: containers keep running under conmon. */
  pause(): Promise<void>;
  /** Starts the API service again on the same socket; resolves once it answers. */
  resume(): Promise<void>;
  /** Stops the service by its pid and removes its directory; containers are left to their owners. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Checks the programs, writes the Podman configuration, and starts the API service. Resolves once
 * it answers `_ping`. Throws, naming what to install or do, when something is missing.
 */
export async function startPodman(): Promise<PodmanService> {
  requireProgram('podman', 'podman');
  requireProgram('runc', 'runc');
  requireProgram('conmon', 'conmon');
  configurePodman();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-podman-'));
  const socketPath = join(dir, 'podman.sock');
  const docker = new Dockerode({ socketPath });
  let child: ChildProcess | undefined;
  const serve = async () => {
    child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    await waitForPing(docker, child, () => stderr);
  };
  const pause = async () => {
    if (child) await stopChild(child);
  };
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= pause().finally(() => rmSync(dir, { recursive: true, force: true })));
  try {
    await serve();
  } catch (error) {
    await stop();
    throw error;
  }
  return { socketPath, docker, pause, resume: serve, stop };
}

/**
 * Makes sure {@link TEST_IMAGE} is on the engine: builds a root file system of busybox-static
 * and imports it through the API (`POST /images/create?fromSrc=-`). Idempotent; returns the tag.
 */
export async function ensureTestImage(docker: Dockerode): Promise<string> {
  const present = await docker.getImage(TEST_IMAGE).inspect().then(
    () => true,
    () => false,
  );
  if (present) return TEST_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-image-'));
  try {
    const tarball = buildRootfsTarball(dir);
    const stream = await docker.importImage(createReadStream(tarball), { repo: TEST_IMAGE });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())));
    await docker.getImage(TEST_IMAGE).inspect();
    return TEST_IMAGE;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An image for Score workloads, built on {@link TEST_IMAGE}: an ENTRYPOINT that serves `/www` on
 * port 80 saying `from-entrypoint` (so a workload without a command runs it), and `/bin/udp-echo
 * <port>`, a static UDP echo server compiled here from `test/fixtures/score-image/udp-echo.c`.
 * Built with `podman build --pull=never` (nothing is pulled). Idempotent; returns the tag.
 */
export const SCORE_TEST_IMAGE = 'localhost/slipway-score-test:1';

export async function ensureScoreTestImage(docker: Dockerode): Promise<string> {
  await ensureTestImage(docker);
  const present = await docker.getImage(SCORE_TEST_IMAGE).inspect().then(
    () => true,
    () => false,
  );
  if (present) return SCORE_TEST_IMAGE;
  requireProgram('gcc', 'gcc libc6-dev');
  const dir = mkdtempSync(join(tmpdir(), 'slipway-score-image-'));
  try {
    const source = fileURLToPath(new URL('../fixtures/score-image/udp-echo.c', import.meta.url));
    const gcc = spawnSync('gcc', ['-static', '-O2', '-o', join(dir, 'udp-echo'), source], { encoding: 'utf8' });
    if (gcc.status !== 0) throw new Error(`gcc failed: ${gcc.stderr} — install gcc and libc6-dev`);
    writeFileSync(
      join(dir, 'Containerfile'),
      [
        `FROM ${TEST_IMAGE}`,
        'COPY udp-echo /bin/udp-echo',
        'ENTRYPOINT ["sh", "-c", "echo from-entrypoint > /www/index.html && echo ok > /www/healthz && exec httpd -f -p 80 -h /www"]',
        '',
      ].join('\n'),
    );
    const build = spawnSync('podman', ['build', '--pull=never', '-t', SCORE_TEST_IMAGE, dir], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`podman build failed: ${build.stderr}`);
    return SCORE_TEST_IMAGE;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An image with Node.js on {@link TEST_IMAGE}: this machine's `node` and the libraries it links, so nothing is pulled. */
export const NODE_TEST_IMAGE = 'localhost/slipway-node-test:1';

/** Makes sure {@link NODE_TEST_IMAGE} is on the engine (`podman build --pull=never` of `node` and what `ldd` names). Idempotent; returns the tag. */
export async function ensureNodeTestImage(docker: Dockerode): Promise<string> {
  await ensureTestImage(docker);
  if (await docker.getImage(NODE_TEST_IMAGE).inspect().then(() => true, () => false)) return NODE_TEST_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-node-image-'));
  try {
    const node = realpathSync(process.execPath);
    const libraries = [...spawnSync('ldd', [node], { encoding: 'utf8' }).stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]!);
    mkdirSync(join(dir, 'root', 'usr', 'bin'), { recursive: true });
    copyFileSync(node, join(dir, 'root', 'usr', 'bin', 'node'));
    for (const library of new Set(libraries)) {
      mkdirSync(join(dir, 'root', dirname(library)), { recursive: true });
      copyFileSync(realpathSync(library), join(dir, 'root', library));
    }
    writeFileSync(join(dir, 'Containerfile'), `FROM ${TEST_IMAGE}\nCOPY root/ /\n`);
    const build = spawnSync('podman', ['build', '--pull=never', '-t', NODE_TEST_IMAGE, dir], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`podman build failed: ${build.stderr}`);
    return NODE_TEST_IMAGE;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Force-removes every container Slipway labelled with `target`: sidecars first, since they use their first container's network. Idempotent. */
export async function removeTargetContainers(docker: Dockerode, target: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.target}=${target}`] } });
  const remove = (list: typeof containers) => Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await remove(containers.filter((c) => c.Labels[LABEL.sidecar] !== undefined));
  await remove(containers.filter((c) => c.Labels[LABEL.sidecar] === undefined));
}

/** Writes `<dir>/rootfs.tar`: `/bin/busybox` (static) with its applets, `/etc/passwd`, `/www`, `/tmp`. */
function buildRootfsTarball(dir: string): string {
  const busybox = requireProgram('busybox', 'busybox-static');
  const ldd = spawnSync('ldd', [busybox], { encoding: 'utf8' });
  if (!`${ldd.stdout}${ldd.stderr}`.includes('not a dynamic executable')) {
    throw new Error(`${busybox} is dynamically linked and cannot run alone in an image: install it with \`apt-get install busybox-static\``);
  }
  const root = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'www', 'tmp']) mkdirSync(join(root, sub), { recursive: true });
  copyFileSync(busybox, join(root, 'bin', 'busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const tarball = join(dir, 'rootfs.tar');
  const tar = spawnSync('tar', ['-C', root, '--owner=0', '--group=0', '-cf', tarball, '.'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar failed (${tar.error?.message ?? `exit ${tar.status}`}): ${tar.stderr} — install it with \`apt-get install tar\``);
  return tarball;
}

/** Runs `scripts/podman-setup.sh`, which needs root: rootless Podman is not what the tests use. */
function configurePodman(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the container tests need rootful Podman: run them as root (as CI does), after `sudo bash scripts/podman-setup.sh`');
  }
  const setup = spawnSync('bash', [SETUP_SCRIPT], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`scripts/podman-setup.sh failed (${setup.error?.message ?? `exit ${setup.status}`}): ${setup.stderr}`);
}

/** The absolute path of `program` on PATH or in /usr/sbin; throws naming the Debian package otherwise. */
export function requireProgram(program: string, pkg: string): string {
  const which = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  const path = which.status === 0 ? which.stdout.trim() : existsSync(`/usr/sbin/${program}`) ? `/usr/sbin/${program}` : '';
  if (!path) throw new Error(`${program} not found: install it with \`apt-get install ${pkg}\``);
  return path;
}

async function waitForPing(docker: Dockerode, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`podman system service exited (${child.exitCode ?? child.signalCode}):\n${stderr()}`);
    if (await docker.ping().then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`podman system service did not answer within ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGTERM by pid, SIGKILL after 5 s; resolves when the process has exited. Idempotent. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
