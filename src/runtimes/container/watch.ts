/**
 * Watching a container target: one long-lived `GET /events` on the engine's socket (Docker, or
 * Podman's Docker-compatible API), filtered on the engine's side to the target's containers (the
 * label `io.slipway.target=<target>`, `labels.ts`); of their events, those of the actions that
 * change what observe() reports ({@link ACTIONS}) are told. Left out: `exec` and `exec_died`, which
 * the runtime's own exec probes cause (each observation would wake the next), and `kill`, `init`,
 * `attach` and the like, which a `die`, a `start` or nothing observe() reports follows. The actions
 * are not filtered on the engine's side: Podman 4.3 matches `event=die` against its own word, `died`.
 *
 * What is seen when:
 * - A container of the target created, started (by an apply, by hand, or by the engine's restart
 *   policy), dying (exited, killed, crashed), stopped, paused or removed: at once, from its event.
 * - A started container becoming ready: the engine tells nothing, so after each `start` of a
 *   container with a readiness probe the watcher tries the probe (as observe() does) every
 *   {@link READY_CHECK_MS} and tells `ready` once it passes, for up to the target's
 *   `readyTimeoutSeconds` from that start; one ready later than that is seen by the full check
 *   (the observe loop observes a watched target in full every 5 minutes). Without a probe, a
 *   running container is ready: its `start` tells it.
 * - A container that stops passing its probe while it runs tells nothing: the full check sees it,
 *   as on `ssh` hosts.
 *
 * The link and its heartbeat: the engine answers the request at once, before any event (then the
 * watcher tells `linked`), and sends nothing while idle. On a local Unix socket nothing falls
 * silent between the two ends: the engine stopping (Podman's API service included) or its socket
 * going away closes the stream, which is the signal (`lost`); no ping is sent. An engine that hangs
 * with its socket open is not noticed by the watch: the full check observes the target then.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import type { UnitKey } from '../../desired/types.js';
import { errorMessage } from '../../errors.js';
import { LineSplitter } from '../kit/lines.js';
import { Link } from '../kit/link.js';
import type { WatchEvent, Watching } from '../types.js';
import { LABEL, labelFilter } from './labels.js';

/** How often a started container's readiness probe is tried until it passes. */
const READY_CHECK_MS = 250;

/** The engine's actions that change what observe() reports, with their words (Docker says `destroy` where Podman says `remove`). */
const ACTIONS = new Map<string, (attributes: Readonly<Record<string, string>>) => string>([
  ['create', () => 'created'],
  ['start', () => 'started'],
  ['restart', () => 'restarted'],
  ['die', ({ exitCode }) => `died${exitCode ? ` (exit code ${exitCode})` : ''}`],
  ['stop', () => 'stopped'],
  ['pause', () => 'paused'],
  ['unpause', () => 'unpaused'],
  ['remove', () => 'removed'],
  ['destroy', () => 'removed'],
]);

/** A change one engine event tells. */
export interface EngineChange {
  /** The container's id. */
  readonly id: string;
  /** Its unit, when its labels name one. */
  readonly key?: UnitKey;
  /** Who it is about: "api in dev: container dev.api.0-g1". */
  readonly about: string;
  /** What happened, in words: "died (exit code 137)". */
  readonly what: string;
  /** A `start` of a container with a readiness probe: it is ready only once the probe passes. */
  readonly awaitsReady: boolean;
}

/**
 * The change an events line (one JSON event) tells of a container of `target`; undefined for a
 * line that is not JSON, an event of something else (another target, an image), or an action left out. Pure.
 */
export function parseEngineEvent(line: string, target: string): EngineChange | undefined {
  let event: { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, string> } };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return undefined;
  }
  const words = event?.Type === 'container' && typeof event.Action === 'string' ? ACTIONS.get(event.Action) : undefined;
  const id = event?.Actor?.ID;
  const attributes = event?.Actor?.Attributes ?? {};
  if (!words || typeof id !== 'string' || attributes[LABEL.target] !== target) return undefined;
  const { [LABEL.service]: service, [LABEL.environment]: environment, name = id.slice(0, 12) } = attributes;
  const key = service && environment ? { service, environment, target } : undefined;
  return {
    id,
    ...(key && { key }),
    about: `${key ? `${service} in ${environment}: ` : ''}container ${name}`,
    what: words(attributes),
    awaitsReady: event.Action === 'start' && attributes[LABEL.probe] !== undefined,
  };
}

/** What an {@link EngineWatcher} is given. */
export interface EngineWatchOptions {
  readonly docker: Dockerode;
  readonly target: string;
  /** Names the link in `linked` and `lost` (the engine's socket). */
  readonly link: string;
  /** Whether container `id` passes its readiness probe now; undefined once it is gone. May throw (the engine fails). */
  readonly ready: (id: string) => Promise<boolean | undefined>;
  /** How long after a `start` its container's probe is tried (the target's `readyTimeoutSeconds`). */
  readonly readyWithinMs: number;
}

/**
 * One target's watch, as described in the module comment: tells `listener` what the engine's event
 * stream reports; when the stream ends or cannot be opened, tells `lost` (once while the link stays
 * down) and opens it again after a wait that doubles from 1 s to 30 s, until stopped.
 */
export class EngineWatcher implements Watching {
  readonly #abort = new AbortController();
  readonly #link: Link;
  /** Started containers whose probe is being tried, by id: until when (each `start` moves it on). */
  readonly #awaiting = new Map<string, number>();
  readonly #checks = new Set<Promise<void>>();
  readonly #running: Promise<void>;

  /** Starts at once; never throws. */
  constructor(
    private readonly options: EngineWatchOptions,
    private readonly listener: (event: WatchEvent) => void,
  ) {
    this.#link = new Link(options.link, listener, (reason) => `container engine of target ${options.target}: ${reason}`);
    this.#running = this.loop();
  }

  /** Closes the stream, cancels a pending retry and the probes under way; resolves once all have ended. Idempotent; never rejects. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    await Promise.all(this.#checks);
  }

  private async loop(): Promise<void> {
    const { docker, target } = this.options;
    const signal = this.#abort.signal;
    const filters: Dockerode.GetEventsOptions['filters'] = { type: ['container'], ...labelFilter(target) };
    while (!signal.aborted) {
      let reason: string;
      try {
        // dockerode passes `abortSignal` on to the request (its types leave it out): aborting closes the stream.
        const stream = await docker.getEvents({ filters, abortSignal: signal } as Dockerode.GetEventsOptions);
        this.#link.linked();
        const lines = new LineSplitter();
        for await (const chunk of stream) {
          for (const line of lines.push(chunk as Buffer)) this.onLine(line);
        }
        reason = 'its event stream ended';
      } catch (error) {
        reason = `its event stream failed: ${errorMessage(error)}`;
      }
      if (signal.aborted) return;
      await delay(this.#link.lost(reason), undefined, { signal }).catch(() => undefined);
    }
  }

  private onLine(line: string): void {
    const change = parseEngineEvent(line, this.options.target);
    if (!change) return;
    this.changed(change, change.what);
    if (!change.awaitsReady) return;
    const tried = this.#awaiting.has(change.id);
    this.#awaiting.set(change.id, Date.now() + this.options.readyWithinMs);
    if (tried) return;
    const check = this.awaitReady(change).finally(() => {
      this.#awaiting.delete(change.id);
      this.#checks.delete(check);
    });
    this.#checks.add(check);
  }

  /** Tries the container's probe until it passes (then tells `ready`), the container is gone, or its time is up. */
  private async awaitReady(change: EngineChange): Promise<void> {
    const signal = this.#abort.signal;
    while (Date.now() < this.#awaiting.get(change.id)!) {
      await delay(READY_CHECK_MS, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      // An engine that fails here ends its stream too, and is observed in full once linked again.
      const ready = await this.options.ready(change.id).catch(() => undefined);
      if (signal.aborted || ready === undefined) return;
      if (ready) return this.changed(change, 'ready');
    }
  }

  private changed({ key, about }: EngineChange, what: string): void {
    this.listener({ type: 'changed', ...(key && { key }), message: `${about} ${what}` });
  }
}
