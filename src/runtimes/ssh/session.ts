/**
 * The client side of {@link sessionScript}: one exec channel per host for one apply, so the host
 * pays for one login shell (and the orchestrator for one round of channel set-up) instead of one
 * per step. Steps are taken in order: `inventory()`, then at most one `upload()`, then `run()` or
 * `end()`. The channel's stdin stays open while `run()`'s script runs on the host: when it ends
 * first (the channel closed, the connection dropped, this process was killed), the host TERMs the
 * script, so a control plane that dies mid-rollout leaves nothing acting on the host but the
 * instances already started.
 */
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { RemoteCommandError, type ExecOptions, type ExecResult } from '../kit/ssh/connection.js';
import { INVENTORY_END, parseInventory, sessionScript, UPLOADED, type Inventory } from './remote.js';

/** Runs a script on the host (as `SshRuntime` does), with stdin and stdout streamed. */
export type RunScript = (script: string, options: ExecOptions) => Promise<ExecResult>;

export class HostSession {
  readonly #stdin = new PassThrough();
  /** The channel, once opened. */
  #result: Promise<ExecResult> | undefined;
  #stdout = '';
  /** Keeps a character split between two chunks until its last byte comes. */
  readonly #decoder = new StringDecoder('utf8');
  /** Looks for the awaited marker in `#stdout`; true once found. */
  #found: (() => boolean) | undefined;

  /**
   * Without `known`, starts the session on the host at once: it prints its inventory and waits for
   * requests. With `known` (the host's inventory, read moments ago), the host lists nothing and
   * the channel opens only when a step needs it: a host with nothing to do gets none.
   */
  constructor(
    private readonly host: string,
    private readonly exec: RunScript,
    private readonly baseDir: string,
    private readonly releaseKey: string,
    private readonly known?: Inventory,
  ) {
    if (!known) this.open();
  }

  /**
   * The host's inventory: the one it was given, or listed by the session. Rejects with
   * `HostUnreachableError` when the host cannot be reached, `RemoteCommandError` when the listing failed.
   */
  async inventory(): Promise<Inventory> {
    return this.known ?? parseInventory(await this.until(INVENTORY_END, 'inventory'));
  }

  /** Sends a tar archive of the release; resolves once the release is complete on the host. */
  async upload(archive: Buffer, what: string): Promise<void> {
    this.open();
    this.#stdin.write(`upload ${archive.length}\n`);
    this.#stdin.write(archive);
    await this.until(UPLOADED, what);
  }

  /**
   * Runs `script` as the session's last step; resolves with its exit status and stderr once the
   * session has ended, and only then ends stdin (see the class comment).
   */
  run(script: string): Promise<ExecResult> {
    const result = this.open();
    this.#stdin.write(`run ${Buffer.byteLength(script)}\n${script}`);
    void result.then(
      () => this.end(),
      () => this.end(),
    );
    return result;
  }

  /**
   * Ends the session without a last step, or stops the script of a `run()` under way (idempotent);
   * resolves when the channel has closed, never rejects.
   */
  async end(): Promise<void> {
    if (!this.#stdin.writableEnded) this.#stdin.end();
    await this.#result?.catch(() => undefined);
  }

  /** The channel running the session script, opened on first call. */
  private open(): Promise<ExecResult> {
    if (this.#result) return this.#result;
    this.#result = this.exec(sessionScript(this.baseDir, this.releaseKey, !this.known), {
      stdin: this.#stdin,
      onStdout: (chunk) => {
        this.#stdout += this.#decoder.write(chunk);
        this.#found?.();
      },
    });
    this.#result.catch(() => undefined);
    return this.#result;
  }

  /** Output up to the line `marker`, consumed; rejects when the channel closes before it. */
  private until(marker: string, what: string): Promise<string> {
    const result = this.open();
    return new Promise((resolve, reject) => {
      const found = () => {
        const at = `\n${this.#stdout}`.indexOf(`\n${marker}\n`);
        if (at < 0) return false;
        this.#found = undefined;
        resolve(this.#stdout.slice(0, at));
        this.#stdout = this.#stdout.slice(at + marker.length + 1);
        return true;
      };
      if (found()) return;
      this.#found = found;
      result.then(
        (r) => this.#found === found && !found() && reject(new RemoteCommandError(this.host, r.code, r.stderr, what)),
        (error: unknown) => this.#found === found && reject(error),
      );
    });
  }
}
