/**
 * A lab for builds from tags, with real parts: a repository served by `git http-backend`, Podman
 * (base images made here, nothing pulled), the CNCF registry with TLS and basic auth, and
 * `slipway server` on a project whose service `web` is built from the repository's Containerfile
 * and runs on a container target (host network) into dev, then prod by hand. Shared by the
 * end-to-end test and the benchmark.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { ensureNodeTestImage, ensureTestImage, NODE_TEST_IMAGE, removeTargetContainers, startPodman, TEST_IMAGE, type PodmanService } from '../harness/podman.js';
import { startRegistry, type RegistryServer } from '../harness/registry.js';
import { runCli, startCli, type CliResult, type RunningCli } from './cli.js';
import { unusedPort } from './ports.js';

export const REPO = 'acme/web';

/** A build as the API answers it. */
export interface BuildBody {
  readonly id: string;
  readonly ref: string;
  readonly status: string;
  readonly message: string;
  readonly image: string | null;
  readonly releaseId: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** What a webhook delivery was answered. */
export interface HookAnswer {
  readonly status: number;
  readonly body: { readonly result: string; readonly message: string; readonly builds?: readonly { id: string; service: string; ref: string }[] };
}

export interface BuildLab {
  readonly podman: PodmanService;
  readonly registry: RegistryServer;
  readonly git: GitServer;
  /** The project's directory. */
  readonly dir: string;
  /** `slipway` with `--project` on the lab's project. */
  cli(args: readonly string[], input?: string): Promise<CliResult>;
  /** Calls the server's API as an admin. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Sends a signed GitHub push of `tag` at `sha` to the server's webhook. */
  pushHook(tag: string, sha: string, delivery: string): Promise<HookAnswer>;
  /** The build's state once it has ended, polling its record. */
  endOf(id: string, timeoutMs?: number): Promise<BuildBody>;
  /** What `web` answers at `/` in dev, or `(no answer)`. */
  answer(): Promise<string>;
  stop(): Promise<void>;
}

/** The files of a small Node.js service at a version: `server.mjs` answering `word` on `$PORT`, on {@link NODE_TEST_IMAGE}, after `steps`. */
export function nodeSources(word: string, options: { steps?: readonly string[] } = {}): Record<string, string> {
  const server = `import { createServer } from 'node:http';\ncreateServer((_, res) => res.end(${JSON.stringify(`${word}\n`)})).listen(Number(process.env.PORT));\n`;
  const steps = (options.steps ?? []).map((step) => `RUN ${step}`);
  return { 'server.mjs': server, Containerfile: [`FROM ${NODE_TEST_IMAGE}`, ...steps, 'COPY server.mjs /app/server.mjs', 'CMD ["node", "/app/server.mjs"]', ''].join('\n') };
}

/** The repository's files at a version: a Containerfile serving `word` at `/`, after `steps` (RUN lines), or with a step that fails. */
export function sources(word: string, options: { steps?: readonly string[]; broken?: boolean } = {}): Record<string, string> {
  const steps = [...(options.steps ?? []), ...(options.broken ? ['exit 3'] : [])].map((step) => `RUN ${step}`);
  return { 'index.html': `${word}\n`, Containerfile: [`FROM ${TEST_IMAGE}`, ...steps, 'COPY index.html /www/index.html', ''].join('\n') };
}

const WEBHOOK_SECRET = `wh-${Math.random().toString(36).slice(2)}`;

/** Starts every part and the server; `pollSeconds` makes the server poll the repository too. */
export async function startBuildLab(options: { target: string; pollSeconds?: number; node?: boolean }): Promise<BuildLab> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-builds-'));
  const [appPort, apiPort] = [unusedPort(), unusedPort()];
  const [podman, registry, git] = await Promise.all([startPodman(), startRegistry(), startGitServer()]);
  let server: RunningCli | undefined;
  const cli = (args: readonly string[], input?: string) => runCli(['--project', dir, ...args], { ...(input !== undefined && { input }) });
  const stop = async () => {
    await server?.stop();
    await cli(['down']).catch(() => undefined);
    await removeTargetContainers(podman.docker, options.target);
    await Promise.all([registry.stop(), git.stop()]);
    await podman.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await (options.node ? ensureNodeTestImage : ensureTestImage)(podman.docker);
    await git.createRepository(REPO, options.node ? nodeSources('zero') : sources('zero'));
    writeFileSync(join(dir, 'slipway.yaml'), projectText({ registry, git, target: options.target, appPort, podman, pollSeconds: options.pollSeconds, node: options.node }));
    for (const [name, value] of [['registry-password', registry.password], ['webhook-github', WEBHOOK_SECRET]] as const) {
      const set = await cli(['secret', 'set', name], value);
      if (set.code !== 0) throw new Error(`secret set ${name}: ${set.stderr}`);
    }
    const created = await cli(['token', 'create', 'lab', '--role', 'admin', '--json']);
    if (created.code !== 0) throw new Error(`token create: ${created.stderr}`);
    const token = (JSON.parse(created.stdout) as { secret: string }).secret;
    server = startCli(['--project', dir, 'server', '--port', String(apiPort)]);
    await server.waitFor('Slipway serves', 120_000);
    const base = `http://127.0.0.1:${apiPort}`;
    const api = async <T>(method: string, path: string, body?: unknown) => {
      const headers = { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) };
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
      return { status: res.status, body: (await res.json()) as T };
    };
    const endOf = async (id: string, timeoutMs = 240_000) => {
      for (const deadline = Date.now() + timeoutMs; ; ) {
        const { body } = await api<BuildBody>('GET', `/api/v1/builds/${id}`);
        if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
        if (Date.now() > deadline) throw new Error(`build ${id} did not end within ${timeoutMs} ms: ${JSON.stringify(body)}`);
        await new Promise((done) => setTimeout(done, 200));
      }
    };
    return { podman, registry, git, dir, cli, api, endOf, pushHook: (tag, sha, delivery) => pushHook(base, tag, sha, delivery), answer: () => answer(appPort), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function projectText(lab: { registry: RegistryServer; git: GitServer; podman: PodmanService; target: string; appPort: number; pollSeconds?: number; node?: boolean }): string {
  const { registry, target, appPort } = lab;
  const poll = lab.pollSeconds === undefined ? '' : `, pollSeconds: ${lab.pollSeconds}`;
  const run = lab.node ? `env: { PORT: "${appPort}" }` : `command: sh\n      args: [-c, "exec httpd -f -p ${appPort} -h /www"]`;
  return `project: builds
builds: { registry: "${registry.address}/acme" }
registries:
  "${registry.address}": { username: ${registry.username}, password: "secret:registry-password" }
services:
  web:
    source: { repository: "${lab.git.url(REPO)}", tags: ["v*", "!*-rc*"]${poll} }
    workload:
      ${run}
      ports: { http: ${appPort} }
      readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  dev: { targets: [${target}] }
  prod: { targets: [${target}], promotesFrom: [dev], autoPromote: false }
targets:
  ${target}: { runtime: container, socket: ${lab.podman.socketPath}, network: host, readyTimeoutSeconds: 20 }
`;
}

async function pushHook(base: string, tag: string, sha: string, delivery: string): Promise<HookAnswer> {
  const body = JSON.stringify({ ref: `refs/tags/${tag}`, after: sha, deleted: false, repository: { full_name: REPO }, pusher: { name: 'ann' } });
  const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
  const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature };
  const res = await fetch(`${base}/api/v1/webhooks/github`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as HookAnswer['body'] };
}

async function answer(port: number): Promise<string> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) })).text()).trim();
  } catch {
    return '(no answer)';
  }
}
