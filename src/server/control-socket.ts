/**
 * The control socket: the process that holds a workspace (`slipway up`, `slipway server`) serves
 * the API's route table on a Unix socket in `.slipway/`, so that `slipway status`, `deploy` and
 * `logs` run from another terminal reach it. Only the local user can reach the socket (mode 0600),
 * and is admin there, named by the client's `x-slipway-actor` header.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Operations } from '../engine/index.js';
import type { TokenStore } from '../store/token-store.js';
import { localUserIdentity } from './identity.js';
import { routes } from './routes.js';

/** Where the control socket of a state directory lives. */
export function controlSocketPath(stateDir: string): string {
  return join(stateDir, 'control.sock');
}

/**
 * True when a process listens on the state directory's control socket: the process that holds the
 * workspace, which other commands then go through. A socket file left by a killed process refuses
 * the connection. Never throws.
 */
export function controlSocketAnswers(stateDir: string): Promise<boolean> {
  const path = controlSocketPath(stateDir);
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Serves `ops` on the state directory's control socket until the returned close is called. With `tokens`, token commands work through it too. */
export async function serveControlSocket(ops: Operations, stateDir: string, options: { tokens?: TokenStore } = {}): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(stateDir);
  rmSync(path, { force: true }); // a socket left by a killed process; the workspace lock says it is ours now
  // fastify loads with the first server, not with every CLI command that only asks one.
  const { buildApp } = await import('./app.js');
  const app = buildApp({ ops, routes: Object.values(routes), identify: localUserIdentity, tokens: options.tokens });
  await app.listen({ path });
  chmodSync(path, 0o600);
  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        app.server.closeAllConnections();
        await app.close();
        rmSync(path, { force: true });
      })()),
  };
}
