/**
 * SSH connections, one per host, opened on first use and reused by every command until they
 * break (then the next command reconnects). Host keys are verified against the pinned ones; an
 * unknown key refuses the connection. A host that cannot be reached, or that stops answering
 * keepalives, fails its commands with `HostUnreachableError`.
 */
import type { Readable } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { errorMessage, RuntimeError } from '../../../errors.js';
import { fingerprint, verifyHostKey, type TrustedKeys } from './host-keys.js';
import { trace } from '../../../trace.js';

/** Where and how to log in to one host. */
export interface SshEndpoint {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: Buffer;
  readonly trusted: TrustedKeys;
  readonly connectTimeoutMs: number;
}

/** A host could not be reached, or the link broke during a command. */
export class HostUnreachableError extends RuntimeError {
  constructor(
    readonly host: string,
    detail: string,
  ) {
    super(`host ${host} is unreachable: ${detail}`);
  }
}

/** A host presented a key that is not pinned for it: it is treated as unreachable, and nothing was sent. */
export class HostKeyRejectedError extends HostUnreachableError {
  constructor(
    host: string,
    readonly fingerprint: string,
  ) {
    super(host, `it presented host key ${fingerprint}, which is not pinned for it: refused`);
  }
}

/** A command ran and failed. */
export class RemoteCommandError extends RuntimeError {
  constructor(
    readonly host: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    what: string,
  ) {
    super(`${what} on host ${host} failed (exit ${exitCode ?? 'none'})${stderr.trim() ? `:\n${stderr.trim()}` : ''}`);
  }
}

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Piped to the command's stdin, which is then closed. Without it stdin is closed at once. */
  readonly stdin?: Readable;
  /** Called with each chunk of stdout instead of collecting it. */
  readonly onStdout?: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
}

/** Opens an ssh2 client; replaced in tests. */
export type ConnectFn = (config: ConnectConfig) => Client;
const connectClient: ConnectFn = (config) => new Client().connect(config);

/** Channels open at once per connection: below sshd's default `MaxSessions` of 10. */
const MAX_CHANNELS = 8;
const KEEPALIVE_MS = 1_000;
const KEEPALIVE_MISSES = 3;

/** One host's connection and its channel limit. */
class HostConnection {
  #client: Promise<Client> | undefined;
  #sftp: { readonly client: Client; readonly sftp: Promise<SFTPWrapper> } | undefined;
  #open = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly endpoint: SshEndpoint,
    private readonly connect: ConnectFn,
  ) {}

  /** The live client, connecting when there is none. */
  client(): Promise<Client> {
    this.#client ??= this.dial();
    return this.#client;
  }

  private dial(): Promise<Client> {
    const { endpoint } = this;
    const pending = new Promise<Client>((resolve, reject) => {
      let rejectedKey: Buffer | undefined;
      const forget = () => {
        if (this.#client === pending) this.#client = undefined;
      };
      let client: Client;
      try {
        client = this.connect({
          host: endpoint.address,
          port: endpoint.port,
          username: endpoint.user,
          privateKey: endpoint.privateKey,
          readyTimeout: endpoint.connectTimeoutMs,
          keepaliveInterval: KEEPALIVE_MS,
          keepaliveCountMax: KEEPALIVE_MISSES,
          hostVerifier: (key: Buffer) => {
            if (verifyHostKey(key, endpoint.trusted)) return true;
            rejectedKey = key;
            return false;
          },
        });
      } catch (error) {
        // A setting ssh2 refuses before connecting, such as an identity file that is not a key.
        queueMicrotask(forget);
        reject(new HostUnreachableError(endpoint.name, `cannot log in: ${errorMessage(error)}`));
        return;
      }
      trace(`ssh: ${endpoint.name} dialing`);
      client.once('ready', () => (trace(`ssh: ${endpoint.name} logged in`), resolve(client)));
      client.on('error', (error: Error) => {
        forget();
        if (rejectedKey !== undefined) reject(new HostKeyRejectedError(endpoint.name, fingerprint(rejectedKey)));
        else reject(new HostUnreachableError(endpoint.name, error.message));
      });
      client.once('close', () => {
        forget();
        reject(new HostUnreachableError(endpoint.name, 'connection closed'));
      });
    });
    return pending;
  }

  /** Runs `command` on one channel once a channel is free. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    await this.acquire();
    try {
      const client = await this.client();
      return await runOnChannel(client, this.endpoint.name, command, options);
    } finally {
      this.release();
    }
  }

  /** The connection's SFTP session (one per connection, opened on first use), for file work without a shell. */
  async sftp(): Promise<SFTPWrapper> {
    const client = await this.client();
    if (this.#sftp?.client !== client) {
      const opened = new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((error: Error | undefined, sftp: SFTPWrapper) => (error ? reject(new HostUnreachableError(this.endpoint.name, `cannot open SFTP: ${error.message}`)) : resolve(sftp))),
      );
      this.#sftp = { client, sftp: opened };
      opened.catch(() => {
        if (this.#sftp?.sftp === opened) this.#sftp = undefined;
      });
    }
    return this.#sftp.sftp;
  }

  /** Ends the connection. Idempotent. */
  async end(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    (await client?.catch(() => undefined))?.end();
  }

  private acquire(): Promise<void> {
    if (this.#open < MAX_CHANNELS) {
      this.#open++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  private release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#open--;
  }
}

function runOnChannel(client: Client, host: string, command: string, options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const lost = () => reject(new HostUnreachableError(host, 'connection lost during a command'));
    client.once('close', lost);
    client.exec(command, (error: Error | undefined, channel: ClientChannel) => {
      if (error) {
        client.off('close', lost);
        reject(new HostUnreachableError(host, `cannot open a channel: ${error.message}`));
        return;
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const abort = () => channel.close();
      options.signal?.addEventListener('abort', abort, { once: true });
      channel.on('data', (chunk: Buffer) => (options.onStdout ? options.onStdout(chunk) : stdout.push(chunk)));
      channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      let code: number | null = null;
      let exited = false;
      channel.once('exit', (exitCode: number | null) => ((exited = true), (code = exitCode)));
      channel.once('close', () => {
        client.off('close', lost);
        options.signal?.removeEventListener('abort', abort);
        if (!exited && !options.signal?.aborted) return lost();
        resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
      });
      if (options.stdin) {
        options.stdin.once('error', () => channel.close());
        options.stdin.pipe(channel);
      } else channel.end();
    });
  });
}

/** Connections to the hosts of one target. */
export class SshPool {
  readonly #hosts = new Map<string, HostConnection>();

  constructor(private readonly connect: ConnectFn = connectClient) {}

  /** Logs in to `endpoint` unless connected or connecting; rejects as a command would (`HostUnreachableError`). */
  async dial(endpoint: SshEndpoint): Promise<void> {
    await this.host(endpoint).client();
  }

  /** Runs `command` (through the login shell) on `endpoint`, connecting if needed. */
  exec(endpoint: SshEndpoint, command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.host(endpoint).exec(command, options);
  }

  /** The SFTP session of `endpoint`'s connection, connecting if needed. */
  sftp(endpoint: SshEndpoint): Promise<SFTPWrapper> {
    return this.host(endpoint).sftp();
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.#hosts.values()].map((h) => h.end()));
    this.#hosts.clear();
  }

  private host(endpoint: SshEndpoint): HostConnection {
    let host = this.#hosts.get(endpoint.name);
    if (!host) this.#hosts.set(endpoint.name, (host = new HostConnection(endpoint, this.connect)));
    return host;
  }
}
