/**
 * HAProxy's runtime API (the `stats socket … level admin` unix socket): one command per
 * connection. Used to take a host out of rotation (drain) while it is switched, and to put it back.
 */
import { connect } from 'node:net';
import { RuntimeError } from '../../errors.js';
import { isHaproxyName } from './settings.js';

/** Sends one command and resolves with HAProxy's whole answer. Injected in tests. */
export type HaproxySend = (socket: string, command: string) => Promise<string>;

/** Opens the unix socket, writes `command`, reads until HAProxy closes (non-interactive mode). */
export const sendToSocket: HaproxySend = (socket, command) =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = connect(socket, () => conn.end(`${command}\n`));
    conn.setTimeout(5_000, () => conn.destroy(new Error(`HAProxy at ${socket} did not answer "${command}" within 5 s`)));
    conn.on('data', (chunk: Buffer) => chunks.push(chunk));
    conn.once('error', reject);
    conn.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });

/** What `show stat` says about one server. */
export interface ServerStat {
  /** Current sessions on the server. */
  readonly sessions: number;
  /** `UP`, `DOWN`, `DRAIN`, `MAINT`, `UP 1/2`, `no check`, … */
  readonly status: string;
}

/** Parses `show stat` CSV into `backend/server` → stat. Header names locate the columns. */
export function parseStat(csv: string): Map<string, ServerStat> {
  const [header, ...rows] = csv.split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const [px, sv, scur, status] = [at('pxname'), at('svname'), at('scur'), at('status')];
  if ([px, sv, scur, status].includes(-1)) throw new RuntimeError(`HAProxy "show stat" answered without the expected columns: ${header}`);
  const stats = new Map<string, ServerStat>();
  for (const row of rows) {
    const cells = row.split(',');
    stats.set(`${cells[px]}/${cells[sv]}`, { sessions: Number(cells[scur]), status: cells[status] ?? '' });
  }
  return stats;
}

/** Timings of drain and return, in milliseconds. */
export interface HaproxyTimings {
  readonly pollMs: number;
  /** Longest wait for a drained server's sessions to end (then it is switched anyway). */
  readonly drainTimeoutMs: number;
  /** Longest wait for HAProxy's own health check to see a returned server up. */
  readonly upTimeoutMs: number;
}

/**
 * One backend server of one HAProxy. Throws `RuntimeError` when `backend` or `server` breaks
 * HAProxy's identifier rule: no command is ever built from such a name (the schema refuses them
 * first; this is the second line of defence).
 */
export class HaproxyServerControl {
  constructor(
    readonly socket: string,
    readonly backend: string,
    readonly server: string,
    private readonly timings: HaproxyTimings,
    private readonly send: HaproxySend = sendToSocket,
  ) {
    for (const [kind, name] of [['backend', backend], ['server', server]] as const) {
      if (isHaproxyName(name)) continue;
      const rule = 'an HAProxy name has only letters, digits, "-", "_", "." and ":"';
      throw new RuntimeError(`refusing to send HAProxy commands for the ${kind} ${JSON.stringify(name)}: ${rule}`);
    }
  }

  /** Stops sending new requests to the server and waits until its sessions reach 0 (or the drain timeout). */
  async drain(): Promise<void> {
    await this.command(`set server ${this.backend}/${this.server} state drain`);
    await this.until((stat) => stat.sessions === 0, this.timings.drainTimeoutMs);
  }

  /** Puts the server back in rotation and waits until HAProxy's health check sees it up. Throws on timeout. */
  async ready(): Promise<void> {
    await this.command(`set server ${this.backend}/${this.server} state ready`);
    if (!(await this.until((stat) => stat.status.startsWith('UP') || stat.status === 'no check', this.timings.upTimeoutMs))) {
      throw new RuntimeError(`HAProxy did not see ${this.backend}/${this.server} up within ${this.timings.upTimeoutMs} ms`);
    }
  }

  /** The server's current stat; throws when HAProxy does not know it. */
  async stat(): Promise<ServerStat> {
    const stat = parseStat(await this.send(this.socket, 'show stat')).get(`${this.backend}/${this.server}`);
    if (!stat) throw new RuntimeError(`HAProxy at ${this.socket} has no server ${this.backend}/${this.server}`);
    return stat;
  }

  private async command(command: string): Promise<void> {
    const answer = (await this.send(this.socket, command)).trim();
    if (answer !== '') throw new RuntimeError(`HAProxy refused "${command}": ${answer}`);
  }

  /** Polls until `done` holds (true) or `timeoutMs` passes (false). */
  private async until(done: (stat: ServerStat) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (done(await this.stat())) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, this.timings.pollMs));
    }
  }
}
