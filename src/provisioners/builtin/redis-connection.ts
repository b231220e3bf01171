/**
 * A minimal Redis client: one connection, commands sent in order, replies read in RESP2. Enough to
 * administer a server (ACL, CONFIG, SCAN); no pooling, pipelining API, pub/sub or reconnects.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** A reply: simple and bulk strings, integers, nil, arrays. */
export type RedisReply = string | number | null | RedisReply[];

/** The server answered a command with an error reply (`-ERR …`, `-NOPERM …`, `-WRONGPASS …`). */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/** One open connection. Commands are answered in the order they were sent. */
export interface RedisConnection {
  /** Sends one command; rejects with `RedisReplyError` on an error reply, with an `Error` when the connection fails. */
  command(...args: string[]): Promise<RedisReply>;
  /** Sends QUIT and closes; idempotent. */
  end(): Promise<void>;
}

/** How long connecting (and authenticating) may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects to `url` (`redis://[user[:password]@]host[:port][/db]`, `rediss://` for TLS; default
 * port 6379) and authenticates with its user and password when it has them (user `default` when
 * only a password is given). Messages never include the password.
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`not a redis:// or rediss:// URL (${parsed.protocol})`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : 6379;
  const socket = parsed.protocol === 'rediss:' ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
  const connection = open(socket, parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', `${host}:${port}`);
  try {
    await connection.ready;
    const password = decodeURIComponent(parsed.password);
    if (password) await connection.command('AUTH', decodeURIComponent(parsed.username) || 'default', password);
    const db = parsed.pathname.replace(/^\//, '');
    if (db) await connection.command('SELECT', db);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return connection;
}

function open(socket: Socket, connected: 'connect' | 'secureConnect', where: string): RedisConnection & { ready: Promise<void> } {
  const pending: { resolve: (reply: RedisReply) => void; reject: (error: Error) => void }[] = [];
  let buffer: Buffer = Buffer.alloc(0);
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const waiter of pending.splice(0)) waiter.reject(failure);
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(new Error(`Redis at ${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    socket.once(connected, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Redis at ${where}: ${error.message}`));
    });
  });
  socket.on('error', (error) => fail(new Error(`Redis at ${where}: ${error.message}`)));
  socket.on('close', () => fail(new Error(`Redis at ${where} closed the connection`)));
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    try {
      for (let read = parseReply(buffer, 0); read; read = parseReply(buffer, 0)) {
        buffer = buffer.subarray(read.next);
        const waiter = pending.shift();
        if (read.value instanceof RedisReplyError) waiter?.reject(read.value);
        else waiter?.resolve(read.value);
      }
    } catch (error) {
      socket.destroy(error as Error);
    }
  });
  let ending: Promise<void> | undefined;
  return {
    ready,
    command(...args) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
        socket.write(encodeCommand(args));
      });
    },
    end() {
      ending ??= new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        if (failure || socket.destroyed) return resolve();
        socket.end(encodeCommand(['QUIT']));
      });
      return ending;
    },
  };
}

/** A command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

type Parsed = { value: RedisReply | RedisReplyError; next: number };

/**
 * The reply at `offset` of `buffer` and where the next begins; undefined while it is incomplete.
 * An array holding an error reply reads as that error. Throws on bytes that are not RESP2.
 */
export function parseReply(buffer: Buffer, offset: number): Parsed | undefined {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (String.fromCharCode(buffer[offset]!)) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new RedisReplyError(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RedisReply[] = [];
      let error: RedisReplyError | undefined;
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (!item) return undefined;
        if (item.value instanceof RedisReplyError) error ??= item.value;
        else items.push(item.value);
        at = item.next;
      }
      return { value: error ?? items, next: at };
    }
    default:
      throw new Error(`unexpected reply from Redis: ${JSON.stringify(buffer.toString('utf8', offset, Math.min(end, offset + 40)))}`);
  }
}
