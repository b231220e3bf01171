/**
 * A web root on a host over SSH. Small file work goes through the connection's SFTP session (no
 * login shell per step); three things run as one shell command each: removing a tree, unpacking
 * a copied directory (a tar stream), and hashing a tree (`sha256sum` on the host, so the files
 * never cross the network to be compared). Renames are POSIX renames (the
 * `posix-rename@openssh.com` extension), so `current` switches atomically there too.
 */
import { PassThrough } from 'node:stream';
import type { SFTPWrapper, Stats } from 'ssh2';
import { RuntimeError } from '../../errors.js';
import { packDirectory } from '../kit/ssh/archive.js';
import { HostUnreachableError, type SshEndpoint, type SshPool } from '../kit/ssh/connection.js';
import { shQuote } from '../kit/ssh/quote.js';
import type { FileHashes } from './manifest.js';
import type { SiteFiles } from './site-files.js';

/** SFTP's status code for a path that does not exist. */
const NO_SUCH_FILE = 2;

export class RemoteSiteFiles implements SiteFiles {
  constructor(
    private readonly pool: SshPool,
    private readonly endpoint: SshEndpoint,
  ) {}

  describe(webRoot: string): string {
    return `web root ${webRoot} on ${this.endpoint.name}`;
  }

  async readText(path: string): Promise<string> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.readFile(path, 'utf8', (error, data) => (error ? reject(this.failure(error)) : resolve(String(data)))));
  }

  writeText(path: string, text: string): Promise<void> {
    return this.call((sftp, done) => sftp.writeFile(path, text, done));
  }

  async list(path: string): Promise<string[]> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.readdir(path, (error, entries) => (error ? reject(this.failure(error)) : resolve(entries.map((e) => e.filename)))));
  }

  /** False only when the host says there is no such file; a host out of reach rejects. */
  async exists(path: string): Promise<boolean> {
    try {
      await this.lstat(path);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === NO_SUCH_FILE) return false;
      throw error;
    }
  }

  async readLink(path: string): Promise<string> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.readlink(path, (error, target) => (error ? reject(this.failure(error)) : resolve(target))));
  }

  async modifiedAt(path: string): Promise<Date> {
    return new Date((await this.lstat(path)).mtime * 1000);
  }

  setModifiedAt(path: string, at: Date): Promise<void> {
    return this.call((sftp, done) => sftp.utimes(path, at, at, done));
  }

  async makeDir(path: string): Promise<void> {
    if (await this.exists(path)) return;
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent) await this.makeDir(parent);
    await this.call((sftp, done) => sftp.mkdir(path, done)).catch(async (error: unknown) => {
      if (!(await this.exists(path))) throw error; // made meanwhile by another step: fine
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.call((sftp, done) => sftp.ext_openssh_rename(from, to, done));
  }

  symlink(target: string, path: string): Promise<void> {
    return this.call((sftp, done) => sftp.symlink(target, path, done));
  }

  async remove(path: string): Promise<void> {
    const stats = await this.lstat(path).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === NO_SUCH_FILE) return undefined;
      throw error;
    });
    if (!stats) return;
    // A file or a link goes by SFTP; only a tree costs a shell.
    if (stats.isDirectory()) await this.shell('rm -rf -- "$1"', [path]);
    else await this.call((sftp, done) => sftp.unlink(path, done));
  }

  removeEmptyDir(path: string): Promise<void> {
    return this.call((sftp, done) => sftp.rmdir(path, done));
  }

  async copyIn(source: string, path: string): Promise<void> {
    const archive = new PassThrough();
    archive.end(await packDirectory(source));
    await this.shell('mkdir -- "$1" && tar -x -f - -C "$1"', [path], archive);
  }

  async hashTree(path: string): Promise<FileHashes> {
    // Links first (as "link<TAB>path<TAB>target"), then files as sha256sum prints them.
    const script = `cd "$1" || exit 3
find . -type l -exec sh -c 'for p; do printf "link\\t%s\\t%s\\n" "$p" "$(readlink "$p")"; done' sh {} +
find . -type f -exec sha256sum -- {} +`;
    return parseHashes(await this.shell(script, [path]), this.endpoint.name);
  }

  private sftp(): Promise<SFTPWrapper> {
    return this.pool.sftp(this.endpoint);
  }

  private async lstat(path: string): Promise<Stats> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.lstat(path, (error, stats) => (error ? reject(this.failure(error)) : resolve(stats))));
  }

  /** Runs one SFTP request that answers only success or failure. */
  private async call(request: (sftp: SFTPWrapper, done: (error?: Error | null) => void) => void): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => request(sftp, (error) => (error ? reject(this.failure(error)) : resolve())));
  }

  /** An SFTP error as it is: one with a status code is the host's answer; one without is the connection failing. */
  private failure(error: Error): Error {
    return typeof (error as { code?: unknown }).code === 'number' ? error : new HostUnreachableError(this.endpoint.name, error.message);
  }

  /** Runs `script` with `args` as `$1…` under sh on the host; its standard output, or a `RuntimeError` with its standard error. */
  private async shell(script: string, args: readonly string[], stdin?: PassThrough): Promise<string> {
    const command = `sh -c ${shQuote(script)} sh ${args.map(shQuote).join(' ')}`;
    const result = await this.pool.exec(this.endpoint, command, stdin ? { stdin } : {});
    if (result.code !== 0) throw new RuntimeError(`on ${this.endpoint.name}: ${result.stderr.trim() || `exit status ${result.code}`}`);
    return result.stdout;
  }
}

/** The output of the hashing script as `FileHashes`; a file name the script cannot print plainly (a newline or a backslash in it) is refused. */
export function parseHashes(output: string, host: string): FileHashes {
  const hashes: Record<string, string> = {};
  for (const line of output.split('\n').filter(Boolean)) {
    const link = /^link\t\.\/(.*)\t(.*)$/.exec(line);
    const file = /^([0-9a-f]{64}) {2}\.\/(.*)$/.exec(line);
    if (link) hashes[link[1]!] = `link:${link[2]}`;
    else if (file) hashes[file[2]!] = `sha256:${file[1]}`;
    else throw new RuntimeError(`on ${host}: cannot read the hash line "${line}" (file names with a newline or a backslash are not supported on a remote web root)`);
  }
  return Object.fromEntries(Object.entries(hashes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
