/**
 * The shell side of the `ssh` runtime: POSIX `sh` scripts run on a host over one exec channel
 * each. A host keeps, under its base directory:
 *
 *   releases/<key>/                 one release's files, complete once `.slipway-release` exists
 *   units/<env>.<service>/current   symlink to the release the unit runs (switched atomically)
 *   units/<env>.<service>/<inst>/   one instance: run, env (mode 600), meta.json, probe, output.log,
 *                                   supervisor.pid / pid / restarts / stopping / ready / probing
 *                                   (fallback) or unit (systemd)
 *
 * Instances run under systemd where the host has it (PID 1 is systemd and we are root), otherwise
 * under a small shell supervisor started with `setsid` that restarts the process when it exits.
 * Every script begins with {@link PRELUDE}; none needs anything beyond POSIX sh, coreutils and
 * one HTTP client (curl, wget, busybox wget or node) for probes.
 */
import { shQuote } from '../kit/ssh/quote.js';

/** An sh file that exports `env` (sourced by the run script). */
export function envFile(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shQuote(value)}\n`)
    .join('');
}

/** The script that starts one instance: its env, its release directory, then `exec` of the command. */
export function runScript(instanceDir: string, workingDir: string, command: string, args: readonly string[]): string {
  return `#!/bin/sh\n. ${shQuote(`${instanceDir}/env`)}\ncd ${shQuote(workingDir)} || exit 1\nexec ${[command, ...args].map(shQuote).join(' ')}\n`;
}

/**
 * What the supervisor needs of {@link PRELUDE} too: `slw_ticks`, `slw_runs PID` (its process
 * exists and is not a zombie), `slw_pid DIR` (sets `pid`, 0 when none runs), `slw_listening PORT`,
 * `slw_http PORT PATH SECONDS`, `slw_probe DIR PID`. Each poll of a probe starts an HTTP client
 * only once its port listens, which one `grep` of `/proc/net/tcp` tells (`slw_hex PORT` sets `hex`
 * without a process): a shell's `read` takes a byte per system call, which over a busy host's
 * thousands of sockets costs more than the process. Functions that tell a value set a variable
 * rather than print it, and start no process where a file tells it: on a host starting many
 * instances at once, processes are what the CPU goes to (a few ms each, `$(…)` included).
 */
const PROBES = `
slw_ticks() { read -r ticks _ < /proc/uptime; ticks=\${ticks%.*}\${ticks#*.}; }
slw_runs() { c=; read -r c 2>/dev/null < "/proc/$1/cmdline"; [ -n "$c" ]; }
slw_pid() {
  if [ -f "$1/unit" ]; then pid=$(systemctl show -p MainPID --value "$(cat "$1/unit")"); return; fi
  pid=0; p=; read -r p 2>/dev/null < "$1/pid"
  if [ -n "$p" ] && slw_runs "$p"; then pid=$p; fi
}
slw_hex() {
  hex=; hex_n=$1
  for _ in 1 2 3 4; do
    hex_d=$((hex_n % 16)); hex_n=$((hex_n / 16))
    case $hex_d in 10) hex_d=A ;; 11) hex_d=B ;; 12) hex_d=C ;; 13) hex_d=D ;; 14) hex_d=E ;; 15) hex_d=F ;; esac; hex=$hex_d$hex
  done
}
slw_listening() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -le 65535 ] || return 1
  [ -r /proc/net/tcp ] || return 0
  slw_hex "$1"; grep -qs ":$hex 0*:0000 0A " /proc/net/tcp /proc/net/tcp6
}
slw_http() {
  u="http://127.0.0.1:$1$2"
  if command -v curl >/dev/null 2>&1; then curl -fs -o /dev/null -m "$3" "$u"
  elif command -v wget >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then timeout "$3" wget -q -O /dev/null "$u"
  elif command -v busybox >/dev/null 2>&1; then busybox timeout "$3" busybox wget -q -O /dev/null "$u"
  else node -e 'require("http").get(process.argv[1],{timeout:process.argv[2]*1000},r=>process.exit(r.statusCode<400?0:1)).on("error",()=>process.exit(1))' "$u" "$3"
  fi
}
slw_probe() {
  [ "\${2:-0}" != 0 ] || return 1
  [ -s "$1/probe" ] || return 0
  read -r port timeout path < "$1/probe"; slw_listening "$port" && slw_http "$port" "$path" "$timeout" >/dev/null 2>&1
}
`;

/**
 * The FIFO in an instance's directory through which its supervisor wakes a readiness wait
 * (`slw_wait_ready`) when the instance becomes ready or exits, so that the wait costs no process
 * while nothing happens. Written only by opening it read-write, which never blocks: with no
 * reader holding it, what is written is dropped.
 */
export const WAKE_FIFO = 'wake';

/** How long a supervisor probes its new child for readiness before it gives up and waits for the child's exit. */
const SUPERVISOR_READY_SECONDS = 120;

/** The events file under a host's base directory: one line per change, `<event> <instance dir> <detail>`. */
export const EVENTS_FILE = 'events';

/**
 * The fallback supervisor, run as `sh -c SUPERVISOR slipway-supervise <instance dir>`: restarts `run`
 * until SIGTERM, ignoring SIGHUP as `nohup` would (which BusyBox builds may lack). It appends to the
 * events file ({@link EVENTS_FILE}, three levels above the instance directory) what happens to its
 * instance: `start <dir> <pid>`, `ready <dir> <pid>` once the probe passes (without a probe, once the
 * process has stayed up 0.2 s), `exit <dir> <status>`, `stop <dir>`. Once ready it writes the child's
 * pid to `ready`, removed as the child exits. While it probes, `probing` holds the time it gives up
 * at (in `slw_ticks`), and 0 after. Once it stops probing (ready or not), on exit and on stop it
 * wakes a waiter through {@link WAKE_FIFO}. Waiting for readiness costs a probe 0.1 s apart at
 * first, then further apart up to 0.5 s (a few processes each, and a host may start many instances
 * at once), until it passes (at most 2 minutes); after that it runs nothing until its child exits.
 *
 * A TERM stops the child whenever it comes. The trap creates `stopping`, then TERMs the child, which
 * looks for that file just before it execs `run`. A TERM that reaches the child before it has reset
 * the trap it inherited is lost, but was sent after `stopping` existed and before the child looks,
 * so `run` is not started. A TERM that comes between the fork and `child=$!` finds no child to
 * signal: the supervisor TERMs the child once it has its pid. Any other TERM comes before the loop
 * checks `stop` for the next start, or while the child runs `run`.
 */
export const SUPERVISOR = `${PROBES}
dir=$1; stop=0; child=; restarts=0; ev="\${dir%/*/*/*}/${EVENTS_FILE}"
note() { echo "$*" >> "$ev"; }
wake() { [ -p "$dir/${WAKE_FIFO}" ] && echo "$1" 1<> "$dir/${WAKE_FIFO}"; }
await_ready() {
  slw_ticks; give_up=$((ticks + ${SUPERVISOR_READY_SECONDS * 100})); echo $give_up > "$dir/probing"
  n=2; seen=0; need=1; [ -s "$dir/probe" ] || need=3
  while [ $stop = 0 ] && [ $ticks -lt $give_up ] && kill -0 $child 2>/dev/null; do
    if slw_probe "$dir" "$child"; then seen=$((seen + 1)); [ $seen -ge $need ] && return 0; else seen=0; fi
    sleep 0.$((n / 2)); [ $n -lt 10 ] && n=$((n + 1)); slw_ticks
  done
  return 1
}
{ [ -e "$dir/stopping" ] || [ -e "$dir/ready" ]; } && rm -f "$dir/stopping" "$dir/ready"
[ -p "$dir/${WAKE_FIFO}" ] || mkfifo "$dir/${WAKE_FIFO}"
trap '' HUP
trap ': > "$dir/stopping"; stop=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
echo $$ > "$dir/supervisor.pid"
while [ $stop = 0 ]; do
  { [ -e "$dir/stopping" ] || exec "$dir/run"; } >> "$dir/output.log" 2>&1 < /dev/null &
  child=$!
  [ $stop = 1 ] && kill -TERM $child 2>/dev/null
  echo $child > "$dir/pid"
  note start "$dir" $child
  await_ready && echo $child > "$dir/ready" && note ready "$dir" $child
  echo 0 > "$dir/probing"; wake probed
  wait $child; status=$?
  while kill -0 $child 2>/dev/null; do wait $child; status=$?; done
  child=; rm -f "$dir/pid" "$dir/ready"
  [ $stop = 1 ] && break
  note exit "$dir" $status
  restarts=$((restarts + 1)); echo $restarts > "$dir/restarts"; wake exit
  sleep 1
done
note stop "$dir"
rm -f "$dir/supervisor.pid" "$dir/stopping"; wake stop
`;

/**
 * Shell functions every script may use. A process counts as alive by its `/proc/<pid>/cmdline`
 * (empty for a zombie, which an orphaned supervisor stays until the host's init reaps it), read by
 * `grep -z`: its arguments are NUL-separated, and BusyBox grep reads a line only up to a NUL.
 * `slw_start DIR` (returns as the supervisor starts: `slw_wait_ready` waits for the instance),
 * `slw_stop DIR` (SIGTERM, then SIGKILL after 10 s), `slw_alive DIR` (its supervisor runs, told by
 * the pid's command line), `slw_supervised DIR` (the same told by the pid alone, without a process),
 * `slw_probing DIR` (a live supervisor probes the instance for readiness, so a wait need not),
 * `slw_restarts DIR` (sets `restarts`), `slw_status DIR` (prints `alive pid restarts ready`),
 * `slw_wait_ready DIR SECONDS` (the supervisor found the instance ready; where no live supervisor
 * will say so, the probe passes, or without a probe the process stays up for 3 looks; fails after
 * 3 crashes or the timeout), `slw_ticks` (sets `ticks`: hundredths of a second since boot, without
 * starting a process). The readiness wait and `slw_stop` look again when the instance's
 * supervisor wakes them ({@link WAKE_FIFO}) and once a second, at the cost of one `sleep` a second;
 * where no supervisor wakes (systemd, or one started before it could), every 50 ms
 * (`slw_listen DIR`, `slw_pause`, `slw_unlisten`). Each look starts a process only once the probe's
 * port listens.
 * `slw_http` bounds wget's time with `timeout`, not its own `-T`, on which Debian's BusyBox 1.35
 * wget crashes.
 */
export const PRELUDE = `${PROBES}
slw_systemd() { [ -d /run/systemd/system ] && [ "$(id -u)" = 0 ] && command -v systemctl >/dev/null 2>&1; }
slw_unit() { echo "slipway-$(basename "$(dirname "$1")")-$(basename "$1").service"; }
slw_start() {
  if slw_systemd; then
    u=$(slw_unit "$1"); echo "$u" > "$1/unit"
    printf '[Unit]\\nDescription=Slipway %s\\n[Service]\\nExecStart=%s/run\\nRestart=always\\nRestartSec=1\\nStandardOutput=append:%s/output.log\\nStandardError=append:%s/output.log\\n[Install]\\nWantedBy=multi-user.target\\n' "$u" "$1" "$1" "$1" > "/etc/systemd/system/$u"
    systemctl daemon-reload && systemctl enable --now "$u" >/dev/null 2>&1
  else
    { [ -e "$1/restarts" ] || [ -e "$1/pid" ]; } && rm -f "$1/restarts" "$1/pid"
    [ -p "$1/${WAKE_FIFO}" ] || mkfifo "$1/${WAKE_FIFO}"
    setsid sh -c ${shQuote(SUPERVISOR)} slipway-supervise "$1" > /dev/null 2>&1 < /dev/null 4>&- &
  fi
}
slw_alive() {
  if [ -f "$1/unit" ]; then systemctl is-active -q "$(cat "$1/unit")"; return; fi
  [ -f "$1/supervisor.pid" ] || return 1
  p=; read -r p 2>/dev/null < "$1/supervisor.pid"; grep -qzF "$1" "/proc/$p/cmdline" 2>/dev/null
}
slw_restarts() {
  restarts=
  if [ -f "$1/unit" ]; then restarts=$(systemctl show -p NRestarts --value "$(cat "$1/unit")")
  else read -r restarts 2>/dev/null < "$1/restarts"; fi
  restarts=\${restarts:-0}
}
slw_supervised() { sp=; read -r sp 2>/dev/null < "$1/supervisor.pid"; [ -n "$sp" ] && slw_runs "$sp"; }
slw_probing() {
  probing_until=0; read -r probing_until 2>/dev/null < "$1/probing"; slw_ticks
  [ "\${probing_until:-0}" -gt "$ticks" ] 2>/dev/null && slw_supervised "$1"
}
slw_stop() {
  if [ -f "$1/unit" ]; then
    u=$(cat "$1/unit"); systemctl disable --now "$u" >/dev/null 2>&1; rm -f "/etc/systemd/system/$u" "$1/unit"; systemctl daemon-reload; return 0
  fi
  slw_alive "$1" || return 0
  sp=$p; slw_listen "$1"; slw_ticks; deadline=$((ticks + 1000))
  kill -TERM "$sp" 2>/dev/null
  while [ -f "$1/supervisor.pid" ] && slw_runs "$sp" && [ $ticks -lt $deadline ]; do slw_pause; slw_ticks; done
  slw_unlisten; kill -KILL -- "-$sp" 2>/dev/null
  for f in supervisor.pid pid stopping; do [ -e "$1/$f" ] && rm -f "$1/supervisor.pid" "$1/pid" "$1/stopping" && break; done; return 0
}
slw_status() {
  if slw_alive "$1"; then a=1; else a=0; fi
  slw_pid "$1"; slw_restarts "$1"
  if [ $a = 1 ] && slw_probe "$1" "$pid"; then r=1; else r=0; fi
  echo "$a $pid $restarts $r"
}
slw_running() {
  if [ -f "$1/unit" ]; then slw_pid "$1"; [ "$pid" != 0 ]; return; fi
  p=; [ -f "$1/pid" ] && read -r p 2>/dev/null < "$1/pid"; [ -n "$p" ] && [ -d "/proc/$p" ]
}
slw_listen() { ticker=; [ -p "$1/${WAKE_FIFO}" ] || return 0; exec 4<> "$1/${WAKE_FIFO}"; while sleep 1; do echo tick; done >&4 2>/dev/null & ticker=$!; }
slw_pause() { if [ -n "$ticker" ]; then read -r _ <&4; else sleep 0.05; fi; }
slw_unlisten() { if [ -n "$ticker" ]; then kill "$ticker"; wait "$ticker" 2>/dev/null; exec 4<&-; ticker=; fi; }
slw_wait_ready() {
  slw_ticks; deadline=$((ticks + $2 * 100)); seen=0; need=3; port=; ticker=; ok=1
  if [ -s "$1/probe" ]; then read -r port timeout path < "$1/probe"; need=1; fi
  slw_listen "$1"
  while :; do
    w=; p=; read -r w 2>/dev/null < "$1/ready"; read -r p 2>/dev/null < "$1/pid"
    if [ -n "$w" ] && [ "$w" = "$p" ]; then ok=0; break; fi
    if slw_probing "$1"; then :
    elif slw_running "$1" && { [ -z "$port" ] || { slw_listening "$port" && slw_http "$port" "$path" "$timeout" >/dev/null 2>&1; }; }; then
      seen=$((seen + 1)); [ $seen -ge $need ] && { ok=0; break; }
    else seen=0; fi
    slw_restarts "$1"
    if [ "$restarts" -ge 3 ]; then echo "$(basename "$1") crashed 3 times before it was ready" >&2; break; fi
    slw_ticks; if [ $ticks -ge $deadline ]; then echo "$(basename "$1") not ready within $2 s" >&2; break; fi
    slw_pause
  done
  slw_unlisten
  [ $ok = 0 ] && return 0
  echo "--- last lines of $(basename "$1") ---" >&2; tail -n 20 "$1/output.log" >&2 2>/dev/null; return 1
}
`;

/** A whole script: the prelude, then the body. */
export function script(body: string): string {
  return `${PRELUDE}\n${body}`;
}
