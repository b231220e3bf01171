/**
 * Git repositories served over HTTP for tests: bare repositories in a temporary directory, served
 * on 127.0.0.1 at a free port by git's own `git http-backend`, run as CGI from a small `http`
 * server in the test process. Clone, fetch, ls-remote and push all work as against a real host.
 * Commits and tags are made in a work clone and pushed through HTTP, so they arrive as real pushes.
 * Every git command runs with its own empty HOME and no system or global configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A running git HTTP server. */
export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** The clone URL of `repository`: `<baseUrl>/<repository>.git`. */
  url(repository: string): string;
  /** The bare repository's directory on this machine, for tests of local paths. */
  path(repository: string): string;
  /** Makes a bare repository holding `files` in one commit on `main`; returns that commit. */
  createRepository(repository: string, files: Readonly<Record<string, string>>): Promise<string>;
  /** Writes `files` over the work clone, commits and pushes to `main`; returns the new commit. */
  commit(repository: string, files: Readonly<Record<string, string>>, message?: string): Promise<string>;
  /**
   * Tags `commit` (default: the last one pushed to `main`) and pushes the tag: annotated when a
   * `message` is given, lightweight otherwise. Returns the commit tagged.
   */
  tag(repository: string, tag: string, options?: { readonly commit?: string; readonly message?: string }): Promise<string>;
  /** Sets `git config key value` in the bare repository (e.g. `uploadpack.allowReachableSHA1InWant`). */
  configure(repository: string, key: string, value: string): Promise<void>;
  /** Stops serving, ends running backends and removes every repository. Idempotent. */
  stop(): Promise<void>;
}

const IDENTITY = ['-c', 'user.name=Slipway Tests', '-c', 'user.email=tests@slipway.invalid', '-c', 'init.defaultBranch=main'];

/**
 * Starts serving an empty directory of repositories; resolves once the server listens. With
 * `protocolV2: false` the server speaks only protocol v0, as older hosts do: a client may then
 * fetch a commit by its sha only where it is a ref's tip (or the repository allows more).
 */
export async function startGitServer(options: { readonly protocolV2?: boolean } = {}): Promise<GitServer> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-git-'));
  const root = join(dir, 'repositories');
  const home = join(dir, 'home');
  mkdirSync(root);
  mkdirSync(home);
  const env = isolatedEnv(home);
  const backend = join(await git(['--exec-path'], { env }), 'git-http-backend');
  const running = new Set<ChildProcess>();
  const cgiEnv = { ...env, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1' };
  const server = createServer((req, res) => serveCgi(backend, cgiEnv, options.protocolV2 ?? true, req, res, running));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = (repository: string) => `${baseUrl}/${repository}.git`;
  const path = (repository: string) => join(root, `${repository}.git`);
  const work = (repository: string) => join(dir, 'work', repository);
  const run = (repository: string, args: string[]) => git([...IDENTITY, ...args], { env, cwd: work(repository) });

  const commit = async (repository: string, files: Readonly<Record<string, string>>, message = 'change') => {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work(repository), file)), { recursive: true });
      writeFileSync(join(work(repository), file), content);
    }
    await run(repository, ['add', '--all']);
    await run(repository, ['commit', '--quiet', '--allow-empty', '--message', message]);
    await run(repository, ['push', '--quiet', url(repository), 'HEAD:refs/heads/main']);
    return run(repository, ['rev-parse', 'HEAD']);
  };

  let stopping: Promise<void> | undefined;
  return {
    baseUrl,
    url,
    path,
    async createRepository(repository, files) {
      await git(['init', '--quiet', '--bare', '--initial-branch=main', path(repository)], { env });
      await git(['config', 'http.receivepack', 'true'], { env, cwd: path(repository) });
      mkdirSync(work(repository), { recursive: true });
      await run(repository, ['init', '--quiet']);
      return commit(repository, files, 'first commit');
    },
    commit,
    async tag(repository, tag, options = {}) {
      const target = options.commit ?? (await run(repository, ['rev-parse', 'HEAD']));
      const annotate = options.message === undefined ? [] : ['--annotate', '--message', options.message];
      await run(repository, ['tag', ...annotate, tag, target]);
      await run(repository, ['push', '--quiet', url(repository), `refs/tags/${tag}`]);
      return run(repository, ['rev-parse', `${target}^{commit}`]);
    },
    async configure(repository, key, value) {
      await git(['config', key, value], { env, cwd: path(repository) });
    },
    stop: () =>
      (stopping ??= (async () => {
        for (const child of running) child.kill('SIGKILL');
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** An environment in which git reads no configuration but its repository's, and never prompts. */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
}

/** Runs git; resolves with its trimmed output, rejects with its stderr when it fails. Never blocks the event loop (the server runs in it). */
function git(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`git ${args.join(' ')} failed (${code}): ${stderr}`))));
  });
}

/**
 * One request answered by the CGI program `backend`: the request's method, path, query and body
 * headers become its environment (`Content-Encoding` too, so it inflates the gzip bodies git
 * sends; `Git-Protocol` unless v2 is off), the body its stdin; its `Status:` and other headers, then its body, the answer.
 */
function serveCgi(
  backend: string,
  env: NodeJS.ProcessEnv,
  protocolV2: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  running: Set<ChildProcess>,
): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn(backend, [], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...env,
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      ...fromHeader(req, 'content-type', 'CONTENT_TYPE'),
      ...fromHeader(req, 'content-length', 'CONTENT_LENGTH'),
      ...fromHeader(req, 'content-encoding', 'HTTP_CONTENT_ENCODING'),
      ...(protocolV2 && fromHeader(req, 'git-protocol', 'HTTP_GIT_PROTOCOL')),
    },
  });
  running.add(child);
  child.once('close', () => running.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('error', (error) => answerError(res, `${backend}: ${error.message}`));
  child.stdin.on('error', () => {}); // the backend may answer (an error) without reading the whole body
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = headEnd(head);
    if (!end) return;
    child.stdout.off('data', onData);
    const { status, headers } = parseCgiHead(head.subarray(0, end.at).toString('latin1'));
    res.writeHead(status, headers);
    res.write(head.subarray(end.at + end.length));
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.once('close', (code) => {
    if (!res.headersSent) answerError(res, `git http-backend exited (${code}) without an answer: ${stderr}`);
  });
}

/** `{ [variable]: value }` of the request's `header`, or nothing when it was not sent. */
function fromHeader(req: IncomingMessage, header: string, variable: string): Record<string, string> {
  const value = req.headers[header];
  return typeof value === 'string' ? { [variable]: value } : {};
}

/** Where the CGI header block ends: a blank line, `\r\n\r\n` or `\n\n`. */
function headEnd(bytes: Buffer): { at: number; length: number } | undefined {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return lf >= 0 ? { at: lf, length: 2 } : undefined;
}

/** The CGI header block as an HTTP status (from `Status: 404 Not Found`, 200 without one) and headers. */
function parseCgiHead(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}

function answerError(res: ServerResponse, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { 'content-type': 'text/plain' }).end(message);
}
