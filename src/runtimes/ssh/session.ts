/**
 * The client side of {@link sessionScript}: one exec channel per host for an observation and the
 * apply that follows, so the host pays for one login shell (and the orchestrator for one round of
 * channel set-up) instead of one per step. The session opens as it is made and waits: one may be
 * opened before it is needed (`warm-starts.ts`), and it lists the host only when `inventory()` is
 * first called; an observation may hand it over, listed, to the apply that follows
 * (`parked-sessions.ts`). Steps are taken in order: `inventory()` (as often as wanted), then at
 * most one `upload()`, then `run()` or `end()`. The channel's stdin stays open while `run()`'s
 * script runs on the host: when it ends first (the channel closed, the connection dropped, this
 * process was killed), the host TERMs the script, so a control plane that dies mid-rollout leaves
 * nothing acting on the host but the instances already started.
 */
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { RuntimeError } from '../../errors.js';
import { RemoteCommandError, type ExecOptions, type ExecResult } from '../kit/ssh/connection.js';
import { INVENTORY_END, parseInventory, RELEASE_KEY, SCRIPT_END, sessionScript, UPLOADED, type Inventory } from './remote.js';

/** Runs a script on the host (as `SshRuntime` does), with stdin and stdout streamed. */
export type RunScript = (script: string, options: ExecOptions) => Promise<ExecResult>;

export class HostSession {
  readonly #stdin = new PassThrough();
  #stdout = '';
  /** Keeps a character split between two chunks until its last byte comes. */
  readonly #decoder = new StringDecoder('utf8');
  /** Looks for the awaited marker in `#stdout`; true once found. */
  #found: (() => boolean) | undefined;
  /** The channel running the session script. */
  readonly #result: Promise<ExecResult>;
  #inventory: Promise<Inventory> | undefined;
  #closed = false;

  /** Opens the session on the host at once; it waits for requests. */
  constructor(
    private readonly host: string,
    exec: RunScript,
    baseDir: string,
  ) {
    this.#result = exec(sessionScript(baseDir), {
      stdin: this.#stdin,
      onStdout: (chunk) => {
        this.#stdout += this.#decoder.write(chunk);
        this.#found?.();
      },
    });
    this.#result.then(
      () => (this.#closed = true),
      () => (this.#closed = true),
    );
  }

  /** True once the channel has closed: the session ended, or its connection dropped. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The host's inventory, listed on the first call (the same on every call). Rejects with
   * `HostUnreachableError` when the host cannot be reached, `RemoteCommandError` when the listing failed.
   */
  inventory(): Promise<Inventory> {
    if (!this.#inventory) {
      if (!this.#stdin.writableEnded) this.#stdin.write('list\n');
      this.#inventory = this.until(INVENTORY_END, 'inventory').then(parseInventory);
    }
    return this.#inventory;
  }

  /**
   * Sends a tar archive of the release `key` (a name matching `RELEASE_KEY`, else a `RuntimeError`
   * and nothing sent); resolves once the release is complete on the host.
   */
  async upload(key: string, archive: Buffer, what: string): Promise<void> {
    if (!RELEASE_KEY.test(key)) throw new RuntimeError(`${what} on host ${this.host}: "${key}" is not a release key`);
    this.#stdin.write(`upload ${key} ${archive.length}\n`);
    this.#stdin.write(archive);
    await this.until(UPLOADED, what);
  }

  /**
   * Runs `script` as the session's last step; resolves with its exit status and stderr once the
   * session has ended, and only then ends stdin (see the class comment).
   */
  run(script: string): Promise<ExecResult> {
    const sent = `${script}\n${SCRIPT_END}\n`;
    this.#stdin.write(`run ${Buffer.byteLength(sent)}\n${sent}`);
    void this.#result.then(
      () => this.end(),
      () => this.end(),
    );
    return this.#result;
  }

  /**
   * Ends the session without a last step, or stops the script of a `run()` under way (idempotent);
   * resolves when the channel has closed, never rejects.
   */
  async end(): Promise<void> {
    if (!this.#stdin.writableEnded) this.#stdin.end();
    await this.#result.catch(() => undefined);
  }

  /** Output up to the line `marker`, consumed; rejects when the channel closes before it. */
  private until(marker: string, what: string): Promise<string> {
    const result = this.#result;
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
