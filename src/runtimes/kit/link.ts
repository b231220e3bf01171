/**
 * What every watched link shares (an SSH host's watcher, a container engine's event stream): it is
 * told `linked` each time it runs, `lost` once while it stays down, and made again after a wait that
 * doubles from 1 s to 30 s, back to 1 s once it runs again.
 */
import type { WatchEvent } from '../types.js';

/** First wait before making a lost link again; it doubles up to {@link MAX_RETRY_MS}. */
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

export class Link {
  #lost = false;
  #waitMs = FIRST_RETRY_MS;

  /** `name` names the link in its events (a host, a socket); `describe` turns a reason into the message of `lost`. */
  constructor(
    private readonly name: string,
    private readonly listener: (event: WatchEvent) => void,
    private readonly describe: (reason: string) => string,
  ) {}

  /** The link runs: tells `linked`, and the next loss waits from 1 s again. */
  linked(): void {
    this.#lost = false;
    this.#waitMs = FIRST_RETRY_MS;
    this.listener({ type: 'linked', link: this.name });
  }

  /** The link ended or could not be made: tells `lost` unless it is told lost already; returns how long to wait before making it again. */
  lost(reason: string): number {
    if (!this.#lost) this.listener({ type: 'lost', link: this.name, message: this.describe(reason) });
    this.#lost = true;
    const wait = this.#waitMs;
    this.#waitMs = Math.min(wait * 2, MAX_RETRY_MS);
    return wait;
  }
}
