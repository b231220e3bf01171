/**
 * What the `ssh` runtime asks of a host, as whole scripts (one exec channel each), and the parser
 * of what they print. Layout and helpers are described in `shell.ts`.
 */
import { z } from 'zod';
import type { ReleaseRef, UnitKey } from '../../desired/types.js';
import { RemoteCommandError, type ExecResult } from '../kit/ssh/connection.js';
import { StoredReleaseRef, StoredUnitKey } from '../kit/state-files.js';
import { listeningPorts } from './placement.js';
import { shQuote } from '../kit/ssh/quote.js';
import { EVENTS_FILE, script } from './shell.js';

/** `meta.json` of an instance: everything needed to observe it without the desired unit. */
export interface InstanceMeta {
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly configHash: string;
  readonly replica: number;
  readonly ports: Readonly<Record<string, number>>;
  /** ms since epoch when this configuration was first started here. */
  readonly startedAt: number;
}

/** The shape a `meta.json` must have to be read; another is not an instance Slipway can report. */
const StoredMeta: z.ZodType<InstanceMeta> = z.object({
  key: StoredUnitKey,
  release: StoredReleaseRef,
  configHash: z.string(),
  replica: z.number().int().min(0),
  ports: z.record(z.string(), z.number().int()),
  startedAt: z.number(),
});

/** One instance found on a host. */
export interface RemoteInstance {
  readonly dir: string;
  readonly meta: InstanceMeta;
  /** Its supervisor (or systemd unit) runs. */
  readonly alive: boolean;
  /** The process's pid, 0 when none runs. */
  readonly pid: number;
  readonly restarts: number;
  /** Its readiness probe passed just now (or it runs and has none). */
  readonly ready: boolean;
}

/** What a host holds. */
export interface Inventory {
  /** Complete release directories, by name. */
  readonly releases: ReadonlySet<string>;
  readonly instances: readonly RemoteInstance[];
  /** TCP ports something listens on. */
  readonly listening: ReadonlySet<number>;
}

/** A new instance to write and start. */
export interface InstanceFiles {
  readonly dir: string;
  readonly meta: InstanceMeta;
  /** The `env` file's content (mode 600). */
  readonly env: string;
  readonly run: string;
  /** `port timeoutSeconds path`, or empty without a readiness probe. */
  readonly probe: string;
  readonly releaseDir: string;
}

/**
 * Prints complete releases, every instance with its status, then listening ports (see {@link parseInventory}),
 * with shell builtins wherever they serve: every observation runs it on every host, and each process
 * it would start costs the host more than the listing itself.
 */
function listInventory(baseDir: string): string {
  const base = shQuote(baseDir);
  return `
for r in ${base}/releases/*/.slipway-release; do [ -f "$r" ] && r=\${r%/*} && echo "@@release \${r##*/}"; done
for m in ${base}/units/*/*/meta.json; do
  [ -f "$m" ] || continue; j=; IFS= read -r j < "$m"
  echo "@@instance \${m%/meta.json}"; echo "$j"; printf '@@status '; slw_status "\${m%/meta.json}"
done
echo "@@tcp"; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null
`;
}

/** The line a session prints after its inventory; then it reads its stdin. */
export const INVENTORY_END = '@@slipway-inventory-end';
/** The line a session prints once an upload is complete on the host. */
export const UPLOADED = '@@slipway-uploaded';
/** The last line of every script a session's `run` request sends: a script without it was cut short. */
export const SCRIPT_END = '#@@slipway-script-end';

/**
 * The script of a session's `run` request, run as `setsid sh -c RUN slipway-run <bytes>` with the
 * channel as stdin: `setsid` gives it a process group of its own, which everything it starts shares
 * until it leaves by a `setsid` of its own (as supervisors do). It reads exactly `<bytes>` of script,
 * which ends with the line {@link SCRIPT_END} (without it, stdin ended early: the client is gone,
 * and nothing runs; told by the shell's own pattern match, not a byte count), runs it in a subshell with stdin
 * from /dev/null, and has a reader in the background take the rest of stdin, which holds neither
 * stdout nor stderr of the channel. When stdin ends before the script, the reader TERMs the group:
 * the script, what it runs in the foreground, this shell and the reader itself. When the script ends
 * first, this shell ignores TERM and TERMs the group (the reader, and whatever the script left
 * behind), then exits with the script's status. Every signal goes to the group of the one sending
 * it, never to a pid: a group is not reused while its sender is in it.
 */
const RUN = `s=$(head -c "$1")
case "$s" in *'${SCRIPT_END}') ;; *) echo 'the script was cut short: the client is gone' >&2; exit 1 ;; esac
exec 3<&0 < /dev/null
{ while read -r line; do :; done; kill -TERM 0; } <&3 > /dev/null 2>&1 &
exec 3<&-
( eval "$s" )
status=$?
trap '' TERM; kill -TERM 0
exit $status`;

/** Largest events file (see `EVENTS_FILE`) a session's listing leaves in place; a larger one is moved to `events.1`. */
const EVENTS_KEPT_BYTES = 1024 * 1024;

/** A release key the host accepts (a directory name under `releases/`): `[A-Za-z0-9._-]`, not starting with `.`. */
export const RELEASE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * One host's part of an observation and the apply that follows, over one channel (each channel
 * costs the host a login shell). It reads requests on stdin, each a line, and does nothing until
 * the first comes (a session may be opened before it is needed, see `warm-starts.ts`):
 * `list` prints the inventory and {@link INVENTORY_END}, then moves an events file grown beyond
 * {@link EVENTS_KEPT_BYTES} aside (watchers follow the name, and supervisors append to it anew);
 * `upload <key> <bytes>` followed by exactly that many bytes of tar, extracted into
 * `releases/<key>/` atomically (skipped when complete already; nothing is left of a failed one;
 * a key not matching {@link RELEASE_KEY} fails it), answered by {@link UPLOADED};
 * `run <bytes>` followed by exactly that many bytes of script, run last (its exit
 * status is the session's). The client keeps stdin open while the script runs and sends nothing
 * more: stdin ending before the script does (the client closed the channel, or its connection
 * dropped because the control plane was killed) TERMs the script and what it runs in the
 * foreground, while the instances it started live on under their supervisors, for recovery to
 * adopt. Once the script has ended, nothing of it holds the channel open or signals anything (see
 * {@link RUN}). End of stdin between requests ends the session with status 0. A failed upload or an
 * unknown request exits non-zero at once (what follows on stdin could not be told apart). The
 * client sends nothing after an upload until it reads {@link UPLOADED}, nor after a script until
 * the session has ended, so a `head -c` that reads ahead (BusyBox's does, when more is waiting)
 * finds nothing more to take: GNU and BusyBox hosts alike (`session.test.ts` runs the session on both).
 */
export function sessionScript(baseDir: string): string {
  const events = shQuote(`${baseDir}/${EVENTS_FILE}`);
  return script(`receive() {
  case "$1" in ''|.*|*[!A-Za-z0-9._-]*) echo "not a release key: $1" >&2; return 1 ;; esac
  d=${shQuote(`${baseDir}/releases`)}/$1; t="$d.tmp.$$"
  if [ -f "$d/.slipway-release" ]; then head -c "$2" > /dev/null; return; fi
  { [ ! -e "$t" ] || rm -rf "$t"; } && mkdir -p "$t" && head -c "$2" | tar -x -C "$t" && : > "$t/.slipway-release" &&
    { [ ! -e "$d" ] || rm -rf "$d"; } && mv -T "$t" "$d" && return
  rm -rf "$t"; return 1
}
# list | upload <key> <bytes> | run <bytes>
while read -r request a b; do
  case "$request" in
    list) ${listInventory(baseDir)}echo ${INVENTORY_END}
      [ -f ${events} ] && [ "$(wc -c < ${events})" -gt ${EVENTS_KEPT_BYTES} ] && mv -f ${events} ${events}.1 ;;
    upload) receive "$a" "$b" || exit 1; echo ${UPLOADED} ;;
    run) setsid sh -c ${shQuote(RUN)} slipway-run "$a"; exit ;;
    *) echo "unknown request $request" >&2; exit 2 ;;
  esac
done
exit 0`);
}

/** Parses what a session printed before {@link INVENTORY_END}. */
export function parseInventory(output: string): Inventory {
  const releases = new Set<string>();
  const instances: RemoteInstance[] = [];
  const [head = '', tcp = ''] = `\n${output}`.split('\n@@tcp\n');
  const lines = head.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('@@release ')) releases.add(line.slice('@@release '.length));
    if (!line.startsWith('@@instance ')) continue;
    const dir = line.slice('@@instance '.length);
    const status = lines[i + 2]?.match(/^@@status (\d) (\d+) (\d+) (\d)$/);
    let meta: InstanceMeta | undefined;
    try {
      meta = StoredMeta.parse(JSON.parse(lines[i + 1] ?? ''));
    } catch {
      // a half-written instance, or not of our making: not ours to report
    }
    if (!status || !meta) continue;
    instances.push({ dir, meta, alive: status[1] === '1', pid: Number(status[2]), restarts: Number(status[3]), ready: status[4] === '1' });
    i += 2;
  }
  return { releases, instances, listening: listeningPorts(tcp) };
}

const write = (path: string, content: string, mode?: string) =>
  `printf '%s' ${shQuote(content)} > ${shQuote(path)}${mode ? ` && chmod ${mode} ${shQuote(path)}` : ''} || exit 1`;

/** Points `<unitDir>/current` at `releaseDir` atomically, remembering the previous target. */
function switchCurrent(unitDir: string, releaseDir: string): string {
  const link = shQuote(`${unitDir}/current`);
  const tmp = shQuote(`${unitDir}/.current.tmp`);
  return [
    `{ [ -d ${shQuote(unitDir)} ] || mkdir -p ${shQuote(unitDir)}; } && touch ${shQuote(releaseDir)} || exit 1`,
    `readlink ${link} > ${shQuote(`${unitDir}/previous`)} 2>/dev/null || true`,
    `ln -sfn ${shQuote(releaseDir)} ${tmp} && mv -T ${tmp} ${link} || exit 1`,
  ].join('\n');
}

/**
 * Writes `start`'s files, switches `current` to `releaseDir` (when given), stops `stop`, starts
 * `start` (where not running) and waits until every instance of `start` and `wait` is ready; then
 * deletes the directories of `stop` and prunes releases beyond `keepReleases`. Exits non-zero with
 * the reason and the instance's last output on stderr when one is not ready (deleting nothing).
 */
export function rollScript(options: {
  readonly baseDir: string;
  readonly keepReleases: number;
  readonly unitDir: string;
  readonly releaseDir?: string;
  readonly stop: readonly string[];
  readonly start: readonly InstanceFiles[];
  readonly wait: readonly string[];
  readonly readyTimeoutSeconds: number;
}): string {
  const { baseDir, keepReleases, unitDir, releaseDir, stop, start, wait, readyTimeoutSeconds } = options;
  const lines: string[] = [];
  for (const instance of start) {
    const d = instance.dir;
    lines.push(`mkdir -p ${shQuote(d)} || exit 1`, `(umask 077; ${write(`${d}/env`, instance.env)})`);
    lines.push(write(`${d}/run`, instance.run, '700'), write(`${d}/probe`, instance.probe), write(`${d}/releasedir`, instance.releaseDir));
    lines.push(write(`${d}/meta.json`, JSON.stringify(instance.meta)));
  }
  if (releaseDir) lines.push(switchCurrent(unitDir, releaseDir), `echo switch ${shQuote(unitDir)} ${shQuote(releaseDir)} >> ${shQuote(`${baseDir}/${EVENTS_FILE}`)}`);
  for (const d of stop) lines.push(`slw_stop ${shQuote(d)}`);
  for (const { dir } of start) lines.push(`slw_alive ${shQuote(dir)} || slw_start ${shQuote(dir)}`);
  lines.push('fail=0');
  for (const d of [...start.map((s) => s.dir), ...wait]) lines.push(`slw_wait_ready ${shQuote(d)} ${readyTimeoutSeconds} || fail=1`);
  lines.push('[ $fail = 0 ] || exit 1', ...stop.map((d) => `rm -rf ${shQuote(d)}`), pruneReleases(baseDir, keepReleases));
  return script(lines.join('\n'));
}

/** Undoes a failed {@link rollScript}: stops and deletes `started`, points `current` back, starts `stopped` again. */
export function restoreScript(options: { readonly unitDir: string; readonly started: readonly string[]; readonly stopped: readonly string[]; readonly readyTimeoutSeconds: number }): string {
  const { unitDir, started, stopped, readyTimeoutSeconds } = options;
  const previous = shQuote(`${unitDir}/previous`);
  const lines = started.map((d) => `slw_stop ${shQuote(d)}; rm -rf ${shQuote(d)}`);
  lines.push(`if [ -s ${previous} ]; then ln -sfn "$(cat ${previous})" ${shQuote(`${unitDir}/.current.tmp`)} && mv -T ${shQuote(`${unitDir}/.current.tmp`)} ${shQuote(`${unitDir}/current`)}; fi`);
  for (const d of stopped) lines.push(`slw_start ${shQuote(d)}`);
  lines.push('fail=0', ...stopped.map((d) => `slw_wait_ready ${shQuote(d)} ${readyTimeoutSeconds} || fail=1`), 'exit $fail');
  return script(lines.join('\n'));
}

/**
 * Deletes the releases beyond the `keep` newest (by last use) that no unit links as `current` and
 * no instance runs from. Half-finished uploads are left to the upload that owns them.
 */
function pruneReleases(baseDir: string, keep: number): string {
  const base = shQuote(baseDir);
  return `inuse="
$(for l in ${base}/units/*/current; do [ -L "$l" ] && readlink "$l"; done
  for f in ${base}/units/*/*/releasedir; do [ -f "$f" ] && { x=; read -r x < "$f"; echo "$x"; }; done)
"
n=0; for r in $(ls -1t ${base}/releases 2>/dev/null); do
  case "$r" in *.tmp.*) continue ;; esac
  d=${base}/releases/$r
  case "$inuse" in *"
$d
"*) continue ;; esac
  n=$((n + 1)); [ $n -gt ${keep} ] && rm -rf "$d"
done
true`;
}

/** Stops every instance of a unit, deletes its directory and prunes releases. */
export function removeScript(baseDir: string, unitDir: string, keep: number): string {
  const dir = shQuote(unitDir);
  return script(`for d in ${dir}/*/; do [ -d "$d" ] && slw_stop "\${d%/}"; done\nrm -rf ${dir}\n${pruneReleases(baseDir, keep)}`);
}

/** Prints the last `tail` lines of `file`, then (with `follow`) what is appended, across rotation. */
export function tailScript(file: string, tail: number, follow: boolean): string {
  return `tail -n ${Math.max(0, Math.floor(tail))}${follow ? ' -F' : ''} ${shQuote(file)} 2>/dev/null; true`;
}

/** Throws `RemoteCommandError` (a `RuntimeError` naming the host) when a script exited non-zero. */
export function assertSucceeded(result: ExecResult, host: string, what: string): void {
  if (result.code !== 0) throw new RemoteCommandError(host, result.code, result.stderr, what);
}
