/**
 * Slipway's effects of git on source repositories: a repository's tags, the commit a ref names,
 * and a clean checkout of one commit. A repository is a URL (`https://`, `http://`, `ssh://`,
 * `git://`, `file://`), scp-like `user@host:path`, or an absolute path.
 *
 * Every git runs in an environment of its own: no system or global configuration (so nothing from
 * this machine's dotfiles), never a prompt (`GIT_TERMINAL_PROMPT=0`, ssh in batch mode), and the
 * `file` transport allowed only where the repository is local. Failures are `SlipwayError`s with
 * the last lines git wrote, and never a credential a URL carries.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { LineSplitter } from '../runtimes/kit/lines.js';

/** A ref a repository advertises and the commit it names (an annotated tag peeled to its commit). */
export interface RemoteRef {
  /** The full name: `refs/tags/v1.2.0`, `refs/heads/main`, `HEAD`. */
  readonly ref: string;
  readonly commit: string;
}

/** A tag of a repository and the commit it names, whether lightweight or annotated. */
export interface RemoteTag {
  /** The tag's name, without `refs/tags/`. */
  readonly tag: string;
  readonly commit: string;
}

/** What every git effect takes: aborting stops git at once and rejects with the signal's reason. */
export interface GitOptions {
  readonly signal?: AbortSignal;
  /** Longer than this, git is stopped and the call fails with `git-failed`. */
  readonly timeoutMs?: number;
}

/** Default limit of {@link listRemoteTags} and {@link resolveRef}. */
export const LS_REMOTE_TIMEOUT_MS = 60_000;
/** Default limit of {@link checkout}, all its git commands together. */
export const CHECKOUT_TIMEOUT_MS = 600_000;

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SCP_LIKE = /^(?!-)(?:[\w.-]+@)?[\w.-]+:(?!\/\/)\S/;
const URL_LIKE = /^(?:https?|ssh|git|git\+ssh|file):\/\/\S/i;
const TAIL_LINES = 5;
/** What git keeps of this process's environment: where programs are, HOME for ssh's keys, the ssh agent, proxies. */
const KEPT_ENV = ['PATH', 'HOME', 'TMPDIR', 'SSH_AUTH_SOCK', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

/**
 * `git ls-remote` output as refs in the order listed, each with the commit it names: where a ref
 * has a peeled line (`refs/tags/v1^{}`, an annotated tag) that line's commit, else its own. Lines
 * of any other shape (`ref: …` symrefs, blanks) are skipped. Pure.
 */
export function parseLsRemote(text: string): RemoteRef[] {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{40}|[0-9a-f]{64})\t(\S+?)(\^\{\})?\r?$/.exec(line);
    if (!match) continue;
    const [, commit, ref, peeled] = match as unknown as [string, string, string, string | undefined];
    if (peeled !== undefined || !refs.has(ref)) refs.set(ref, commit);
  }
  return [...refs].map(([ref, commit]) => ({ ref, commit }));
}

/** Every tag of `repository` with the commit it names (annotated tags peeled), in git's order. Reads only; blocks until git answers. */
export async function listRemoteTags(repository: string, options: GitOptions = {}): Promise<RemoteTag[]> {
  checkRepository(repository);
  const limit = limits(options, LS_REMOTE_TIMEOUT_MS);
  const output = await runGit(repository, ['ls-remote', '--tags', '--', repository], { ...limit, what: 'listing the tags of' });
  return parseLsRemote(output)
    .filter(({ ref }) => ref.startsWith('refs/tags/'))
    .map(({ ref, commit }) => ({ tag: ref.slice('refs/tags/'.length), commit }));
}

/**
 * The commit that `ref` names in `repository`, as git would read it: a full ref name (`refs/…`,
 * `HEAD`), else a tag, else a branch of that name; else a full commit sha, taken as it is (a
 * checkout then finds whether the repository holds it). `not-found` when none names a commit; an
 * abbreviated sha is not resolved (the repository is not fetched).
 */
export async function resolveRef(repository: string, ref: string, options: GitOptions = {}): Promise<string> {
  checkRepository(repository);
  if (!/^[^\s-][^\s\\~^:?*[]*$/.test(ref)) throw new SlipwayError('invalid-input', `"${ref}" is not a tag, branch or commit name`);
  // A pattern matches the ends of names as listed: `ref^{}` lists an annotated tag's commit.
  const patterns = [ref, `${ref}^{}`];
  const limit = limits(options, LS_REMOTE_TIMEOUT_MS);
  const output = await runGit(repository, ['ls-remote', '--', repository, ...patterns], { ...limit, what: 'resolving a ref in' });
  const refs = new Map(parseLsRemote(output).map(({ ref: name, commit }) => [name, commit]));
  const names = ref === 'HEAD' || ref.startsWith('refs/') ? [ref] : [`refs/tags/${ref}`, `refs/heads/${ref}`];
  const commit = names.map((name) => refs.get(name)).find((found) => found !== undefined);
  if (commit !== undefined) return commit;
  if (FULL_SHA.test(ref)) return ref.toLowerCase();
  throw new SlipwayError('not-found', `no tag, branch or commit "${ref}" in ${redactCredentials(repository)}`);
}

/**
 * Checks out exactly the commit `sha` (full, in either case) of `repository` into `dir`, which must be empty or
 * missing; `dir/.git` holds the fetched history. Fetches that one commit without history, or,
 * where the server refuses a commit by its sha, every branch and tag. Git's progress arrives line
 * by line at `onLine`. `not-found` when the repository does not hold the commit. On failure `dir`
 * is left as it is, for the caller to remove.
 */
export async function checkout(
  repository: string,
  sha: string,
  dir: string,
  options: GitOptions & { readonly onLine?: (line: string) => void } = {},
): Promise<void> {
  checkRepository(repository);
  if (!FULL_SHA.test(sha)) throw new SlipwayError('invalid-input', `"${sha}" is not a full commit sha`);
  const commit = sha.toLowerCase();
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new SlipwayError('conflict', `${dir} is not empty: a checkout goes into an empty directory`);
  const { onLine } = options;
  const deadline = limits(options, CHECKOUT_TIMEOUT_MS);
  const git = (args: string[], what: string) => runGit(repository, args, { ...deadline, cwd: dir, what, ...(onLine && { onLine }) });
  const progress = onLine ? ['--progress'] : [];

  await git(['init', '--quiet'], 'preparing a checkout of');
  try {
    await git(['fetch', ...progress, '--no-tags', '--depth', '1', '--', repository, commit], 'fetching a commit of');
  } catch (error) {
    if (deadline.signal.aborted) throw error;
    onLine?.('fetching the commit by its sha failed: fetching every branch and tag instead');
    const refspecs = ['+refs/heads/*:refs/remotes/source/*', '+refs/tags/*:refs/tags/*'];
    await git(['fetch', ...progress, '--no-tags', '--', repository, ...refspecs], 'fetching');
    // A fetch by sha fails when the commit is not there; a fetch of every ref may succeed without it.
    await git(['cat-file', '-e', `${commit}^{commit}`], 'finding a commit in').catch((missing: unknown) => {
      if (deadline.signal.aborted) throw missing;
      throw new SlipwayError('not-found', `commit ${commit} is not in ${redactCredentials(repository)}`);
    });
  }
  await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit], 'checking out');
  // A detached HEAD is the commit's sha in .git/HEAD: read, not asked of another git process.
  const head = (await readFile(join(dir, '.git', 'HEAD'), 'utf8')).trim();
  if (head !== commit) throw new SlipwayError('git-failed', `the checkout of ${commit} is at ${head} instead`);
}

/** `text` with the credentials of any URL in it replaced by `***` (an ssh URL keeps its user name, which is no secret). */
export function redactCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@]+)@/gi, (_, scheme: string, userinfo: string) =>
    /^(?:git\+)?ssh:/i.test(scheme) && !userinfo.includes(':') ? `${scheme}${userinfo}@` : `${scheme}***@`,
  );
}

/**
 * Refuses (`invalid-input`) what is neither a URL, nor scp-like, nor an absolute path: git would
 * read it as relative to its cwd, or as an option.
 */
function checkRepository(repository: string): void {
  if (URL_LIKE.test(repository) || SCP_LIKE.test(repository) || repository.startsWith('/')) return;
  const forms = 'a URL (https://, http://, ssh://, git://, file://), user@host:path, or an absolute path';
  throw new SlipwayError('invalid-input', `"${redactCredentials(repository)}" is not a repository: give ${forms}`);
}

/** The caller's signal and time limit as one signal, which aborts when either does. */
interface Limits {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** The caller's own signal: when it aborted, git was cancelled rather than timed out. */
  readonly outer?: AbortSignal;
}

function limits(options: GitOptions, defaultTimeoutMs: number): Limits {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  return { signal, timeoutMs, ...(options.signal && { outer: options.signal }) };
}

/** The environment every git runs in: {@link KEPT_ENV}, no git configuration, no prompts. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of KEPT_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: process.env['GIT_SSH_COMMAND'] ?? 'ssh -o BatchMode=yes',
    LC_ALL: 'C',
  };
}

interface RunOptions extends Limits {
  /** What git is doing to the repository, for messages: "listing the tags of". */
  readonly what: string;
  readonly cwd?: string;
  readonly onLine?: (line: string) => void;
}

/**
 * Runs git on `repository`; resolves with its stdout. Its stderr goes line by line (a `\r` ends a
 * progress line too) to `onLine`. Aborting kills git's whole process group (remote helpers, ssh).
 */
function runGit(repository: string, args: readonly string[], options: RunOptions): Promise<string> {
  const { signal, outer, timeoutMs } = options;
  const local = repository.startsWith('/') || /^file:/i.test(repository);
  const where = `${options.what} ${redactCredentials(repository)}`;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(outer?.aborted ? outer.reason : timedOut(where, timeoutMs));
    const child = spawn('git', [...(local ? ['-c', 'protocol.file.allow=always'] : []), ...args], {
      cwd: options.cwd ?? '/',
      env: gitEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has exited already.
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    const stdout: Buffer[] = [];
    const tail: string[] = [];
    const splitter = new LineSplitter();
    const take = (lines: string[]) => {
      for (const line of lines.filter((l) => l.trim() !== '').map(redactCredentials)) {
        options.onLine?.(line);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    // A byte 13 is never inside a UTF-8 sequence: reading `\r` as `\n` splits progress updates into lines.
    child.stderr.on('data', (chunk: Buffer) => take(splitter.push(Buffer.from(chunk.map((byte) => (byte === 13 ? 10 : byte))))));
    child.once('error', (error) => {
      signal.removeEventListener('abort', kill);
      reject(new SlipwayError('git-failed', `git could not run ${where}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      signal.removeEventListener('abort', kill);
      take(splitter.end());
      if (signal.aborted) return reject(outer?.aborted ? outer.reason : timedOut(where, timeoutMs));
      if (code === 0) return resolve(Buffer.concat(stdout).toString('utf8'));
      reject(new SlipwayError('git-failed', `git failed ${where} (exit ${code}): ${tail.join('\n') || 'no message'}`));
    });
  });
}

function timedOut(where: string, timeoutMs: number): SlipwayError {
  return new SlipwayError('git-failed', `git did not finish ${where} within ${timeoutMs / 1000} s`);
}
