/**
 * A Score workload as the specification writes it, deployed through the CLI on Podman: two
 * containers sharing one network namespace, a file filled in with its resources' outputs, a volume
 * both mount, and the resources its platform provisions. The first container is ready only when
 * its exec probe reaches the sidecar on localhost and every resource at the address its file was
 * given, so a successful deploy is the proof; the test then looks inside.
 *
 * Resources are rows of RESOURCES: each starts its server, is asked for in the Score file,
 * provisioned by the platform layer with the server's admin URL as a secret, and checked from
 * inside the container.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../src/runtimes/container/labels.js';
import { ensureTestImage, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from './harness/podman.js';
import { startPostgres } from './harness/postgres.js';
import { startRedis } from './harness/redis.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { unusedPort } from './helpers/ports.js';

/** Its own per test process, so that two runs on one machine never touch each other's containers. */
const TARGET = `score-e2e-${process.pid}`;

/**
 * A resource of the workload: its Score type, how to start its server (`url`: its admin URL,
 * given to the provisioner as the secret `<name>-admin`), and a shell check, given `$host` and
 * `$port`, that it answers.
 */
interface ResourceRow {
  readonly name: string;
  readonly type: string;
  readonly start: () => Promise<{ readonly url: string; stop(): Promise<void> }>;
  readonly check: string;
}

const RESOURCES: readonly ResourceRow[] = [
  // PostgreSQL answers an SSLRequest with one byte, N or S.
  { name: 'db', type: 'postgres', start: startPostgres, check: `printf '\\0\\0\\0\\10\\4\\322\\26\\57' | busybox nc "$host" "$port" | busybox grep -q '[NS]'` },
  { name: 'cache', type: 'redis', start: startRedis, check: `printf 'PING\\r\\n' | busybox nc "$host" "$port" | busybox grep -q NOAUTH` },
];

const dir = mkdtempSync(join(tmpdir(), 'slipway-score-e2e-'));
const volume = `slipway-e2e-${process.pid}-${Date.now()}`;
const port = unusedPort();
let podman: PodmanService;
let servers: { readonly url: string; stop(): Promise<void> }[] = [];
const outputs: CliResult[] = [];
const cli = async (args: string[], input?: string) => {
  const result = await runCli(['--project', dir, ...args], { ...(input !== undefined && { input }) });
  outputs.push(result);
  return result;
};

/** The Score file: `web` serves on its port and, once ready, has checked `helper` and every resource; `helper` serves on 9000 and writes into the shared volume. */
function scoreFile(): string {
  const checks = RESOURCES.map((r) => `set -- $(busybox sed -n 's/^${r.name} //p' /etc/app/resources); host=$1; port=$2; ${r.check}`).join(' && ');
  const probe = `busybox wget -q -O /dev/null http://127.0.0.1:9000/ && ${checks}`;
  return `apiVersion: score.dev/v1b1
metadata:
  name: web
service:
  ports:
    http: { port: ${port} }
containers:
  web:
    image: ${TEST_IMAGE}
    command: [sh, -c]
    args: ["echo web > /www/index.html && exec httpd -f -p ${port} -h /www"]
    files:
      - target: /etc/app/resources
        mode: "0600"
        content: |
${RESOURCES.map((r) => `          ${r.name} \${resources.${r.name}.host} \${resources.${r.name}.port}`).join('\n')}
    volumes:
      - { source: ${volume}, target: /shared }
    readinessProbe:
      exec:
        command: [sh, -c, ${JSON.stringify(probe)}]
  helper:
    image: ${TEST_IMAGE}
    command: [sh, -c]
    args: ["mkdir -p /site && echo helper > /site/index.html && echo from-helper > /shared/note && exec httpd -f -p 9000 -h /site"]
    volumes:
      - { source: ${volume}, target: /shared }
resources:
${RESOURCES.map((r) => `  ${r.name}: { type: ${r.type} }`).join('\n')}
`;
}

/** Runs `command` in the workload's container named `container` (its label, or the first one's). */
function exec(container: 'web' | 'helper', command: string[]): string {
  const filters = ['--filter', `label=${LABEL.target}=${TARGET}`, ...(container === 'helper' ? ['--filter', `label=${LABEL.sidecar}=helper`] : [])];
  const ids = spawnSync('podman', ['ps', '-q', ...filters], { encoding: 'utf8' }).stdout.trim().split('\n');
  const first = ids.find((id) => !spawnSync('podman', ['inspect', '-f', `{{index .Config.Labels "${LABEL.sidecar}"}}`, id], { encoding: 'utf8' }).stdout.trim());
  const run = spawnSync('podman', ['exec', (container === 'helper' ? ids[0] : first)!, ...command], { encoding: 'utf8' });
  return run.stdout.trim();
}

beforeAll(async () => {
  [podman, ...servers] = await Promise.all([startPodman(), ...RESOURCES.map((r) => r.start())]);
  await ensureTestImage(podman.docker);
  mkdirSync(join(dir, 'web'));
  writeFileSync(join(dir, 'web', 'score.yaml'), scoreFile());
  const provisioners = RESOURCES.map((r) => `  - { type: ${r.type}, provisioner: ${r.type}, adminUrl: "secret:${r.name}-admin" }`);
  writeFileSync(join(dir, 'platform.yaml'), `owner: platform\nprovisioners:\n${provisioners.join('\n')}\n`);
  // Host networking: the resources listen on this machine's loopback, and so do the published ports.
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `project: shop\nlayers: [platform.yaml]\nscoreFiles: [web/score.yaml]\nenvironments:\n  dev: { targets: [${TARGET}] }\ntargets:\n  ${TARGET}: { runtime: container, socket: ${podman.socketPath}, network: host }\n`,
  );
}, 120_000);

afterAll(async () => {
  await runCli(['--project', dir, 'down']).catch(() => undefined);
  await removeTargetContainers(podman.docker, TARGET);
  await podman.docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
  await Promise.all([podman.stop(), ...servers.map((server) => server.stop())]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a Score workload with a sidecar, files, a volume and resources, on Podman', () => {
  it('validates, and deploys once its containers reach each other and every resource', async () => {
    expect((await cli(['validate'])).code).toBe(0);
    for (const [index, resource] of RESOURCES.entries()) expect((await cli(['secret', 'set', `${resource.name}-admin`], servers[index]!.url)).code).toBe(0);
    const deploy = await cli(['deploy', 'web', '--env', 'dev']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
  }, 180_000);

  it('the file holds the resources’ addresses, the sidecar is on localhost, and the volume is shared', async () => {
    const lines = exec('web', ['cat', '/etc/app/resources']).split('\n');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(RESOURCES.map((r) => r.name));
    expect(lines[0]).toMatch(/^db 127\.0\.0\.1 \d+$/);
    expect(exec('web', ['wget', '-q', '-O', '-', 'http://127.0.0.1:9000/'])).toBe('helper');
    expect(exec('helper', ['wget', '-q', '-O', '-', `http://127.0.0.1:${port}/`])).toBe('web');
    expect(exec('web', ['cat', '/shared/note'])).toBe('from-helper');
    expect((await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim()).toBe('web');
  });
});
