/**
 * Watching `ssh` hosts: one long-lived exec channel per host, following the host's events file
 * (`<base>/events`, appended to by the supervisors, see `SUPERVISOR` in `shell.ts`) with
 * `tail -F`. GNU tail waits on inotify; BusyBox tail, without it, reads the file once a second
 * inside its own process: either way a host where nothing changes runs no new process. The link's
 * heartbeat is the SSH connection's keepalive (`kit/ssh/connection.ts`): a connection that falls
 * silent is closed, and its watcher told `lost`.
 */
import { PassThrough } from 'node:stream';
import type { UnitKey } from '../../desired/types.js';
import { errorMessage } from '../../errors.js';
import { LineSplitter } from '../kit/lines.js';
import { Link } from '../kit/link.js';
import { shQuote } from '../kit/ssh/quote.js';
import type { WatchEvent } from '../types.js';
import type { RunScript } from './session.js';
import { EVENTS_FILE } from './shell.js';

/** The line a watcher prints once it follows its host's events file. */
export const WATCHING = '@@slipway-watching';

/** How long a stopped watcher is given to end by itself (its host ends it on end of input) before its channel is closed. */
const STOP_GRACE_MS = 2_000;

/**
 * The script of a host's watcher: prints {@link WATCHING}, then every line appended to
 * `<baseDir>/events` from that moment on, following the file across rotation, until its input ends
 * (the orchestrator closed the channel): then it stops `tail` and exits. The file is created when
 * missing (GNU tail follows a file that appears later less reliably than one that exists), and
 * `tail` starts at the offset measured before the marker, so a line written between the two is
 * printed rather than lost. A watcher of the same `id` left behind by a link that broke without the
 * host noticing (its sshd still waits on the dead connection) is ended first: its process group,
 * named in `<baseDir>/.watcher-<id>`, when its leader is still that watcher.
 */
export function watchScript(baseDir: string, id: string): string {
  const events = shQuote(`${baseDir}/${EVENTS_FILE}`);
  const mine = shQuote(`${baseDir}/.watcher-${id}`);
  return `# slipway-watcher ${id}
mkdir -p ${shQuote(baseDir)} && : >> ${events} || exit 1
read -r _ _ _ _ g _ < /proc/$$/stat
if read -r old < ${mine} 2>/dev/null && [ "$old" != "$g" ] && grep -qzF 'slipway-watcher ${id}' "/proc/$old/cmdline" 2>/dev/null; then kill -TERM -- "-$old" 2>/dev/null; fi
echo "$g" > ${mine}
n=$(wc -c < ${events})
tail -c +$((n + 1)) -F ${events} 2>/dev/null &
t=$!
echo ${WATCHING}
exec 3<&0
{ read -r _ <&3; kill $t 2>/dev/null; } &
wait $t`;
}

/** Words for each event a supervisor (or a roll, for `switch`) writes. */
const WORDS: Readonly<Record<string, (detail: string) => string>> = {
  start: (pid) => `started${pid ? ` as pid ${pid}` : ''}`,
  exit: (status) => `exited${status ? ` (status ${status})` : ''}`,
  ready: () => 'ready',
  stop: () => 'stopped',
  switch: (releaseDir) => `switched to release ${releaseDir.slice(releaseDir.lastIndexOf('/') + 1)}`,
};

/**
 * The change an events line tells (`<event> <dir> <detail>`, the directory an instance's or, for
 * `switch`, a unit's), with the unit its directory names under `<baseDir>/units/`; undefined for a
 * line that is not an event.
 */
export function parseEventLine(line: string, baseDir: string, target: string, host: string): { key?: UnitKey; message: string } | undefined {
  const match = /^(\w+) (\S+) ?(.*)$/.exec(line);
  const words = match && WORDS[match[1]!];
  if (!match || !words) return undefined;
  const [, , dir = '', detail = ''] = match;
  const units = `${baseDir}/units/`;
  const [unitDir = '', instance] = dir.startsWith(units) ? dir.slice(units.length).split('/') : [];
  const [environment, service] = unitDir.split('.');
  const what = `${instance ? `${instance} ` : ''}on ${host}: ${words(detail.trim())}`;
  return environment && service ? { key: { service, environment, target }, message: `${environment}.${service} ${what}` } : { message: `${dir} ${what}` };
}

/**
 * One host's watch: runs {@link watchScript} over `run` and tells `listener` what it reports; when
 * the channel ends or cannot be opened, tells `lost` (once while the link stays down) and runs it
 * again after a wait that doubles from 1 s to 30 s, until stopped.
 */
export class HostWatcher {
  /** Closes the channel: aborted only when the host did not end the watcher by itself in time. */
  readonly #abort = new AbortController();
  #stopped = false;
  #stdin: PassThrough | undefined;
  /** Cuts a wait before the next attempt short. */
  #wake: (() => void) | undefined;
  readonly #link: Link;
  readonly #running: Promise<void>;

  /** Starts at once. */
  constructor(
    private readonly host: string,
    private readonly baseDir: string,
    private readonly target: string,
    /** Names this orchestrator's watcher on the host (see {@link watchScript}). */
    private readonly id: string,
    private readonly run: RunScript,
    private readonly listener: (event: WatchEvent) => void,
  ) {
    this.#link = new Link(host, listener, (reason) => `host ${host}: ${reason}`);
    this.#running = this.loop();
  }

  /**
   * Ends the watcher's input (its host then stops `tail` and exits), closes the channel if that
   * takes long (the link is down), and resolves once it is closed. Idempotent.
   */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#stdin?.end();
      this.#wake?.();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#running, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
      clearTimeout(timer);
      this.#abort.abort();
    }
    await this.#running;
  }

  private async loop(): Promise<void> {
    while (!this.#stopped) {
      const stdin = (this.#stdin = new PassThrough());
      const lines = new LineSplitter();
      let reason: string;
      try {
        const result = await this.run(watchScript(this.baseDir, this.id), {
          stdin,
          signal: this.#abort.signal,
          onStdout: (chunk) => {
            for (const line of lines.push(chunk)) {
              if (line === WATCHING) {
                this.#link.linked();
              } else {
                const change = parseEventLine(line, this.baseDir, this.target, this.host);
                if (change) this.listener({ type: 'changed', ...change });
              }
            }
          },
        });
        reason = result.code === 0 ? 'its watcher ended' : `its watcher failed (exit ${result.code ?? 'none'})${result.stderr.trim() ? `: ${result.stderr.trim()}` : ''}`;
      } catch (error) {
        reason = errorMessage(error);
      }
      if (this.#stopped) return;
      const wait = this.#link.lost(reason);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wake = () => (clearTimeout(timer), resolve());
      });
      this.#wake = undefined;
    }
  }
}
