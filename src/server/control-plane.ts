/**
 * The long-running side of `slipway server` and `slipway up`: on an open workspace, the loops that
 * observe, promote, converge, build and notify, the control socket for the CLI, and (for the server) the
 * HTTP API. It deploys nothing by itself; `stop()` ends all of it and leaves the services running.
 */
import { LocalOperations, recoverInterrupted, startNotifications, type Workspace } from '../engine/index.js';
import { Reconciler, startBuildLoop, startObserveLoop, startPromotionLoop, startReconcileLoop } from '../converge/index.js';
import { logEntry } from '../errors.js';
import type { TokenStore } from '../store/token-store.js';
import { serveControlSocket } from './control-socket.js';
import { startHttpServer, type HttpServerOptions } from './http-server.js';

export interface ControlPlane {
  readonly ops: LocalOperations;
  /** Where the HTTP API listens; absent without one. */
  readonly url?: string;
  /** Stops serving and every loop, in the reverse order of starting. Idempotent. Does not close the workspace. */
  stop(): Promise<void>;
}

/** Tells stderr that `what` failed, as `logEntry` words the error: never a database statement or its parameters. */
export function logFailure(what: string, error: unknown): void {
  console.error(`slipway: ${what} failed: ${logEntry(error)}`);
}

/**
 * Starts everything on `ws`; what started is stopped again when a later part fails to start.
 * Unexpected errors of the loops and servers go to `onError` (default `logFailure`).
 */
export async function startControlPlane(ws: Workspace, options: { tokens: TokenStore; http?: Omit<HttpServerOptions, 'tokens'>; onError?: (what: string, error: unknown) => void }): Promise<ControlPlane> {
  const { tokens, onError = logFailure } = options;
  const reconciler = new Reconciler(ws);
  const ops = new LocalOperations(ws, { drive: 'background', drift: () => reconciler.drift(), onClose: async () => {} });
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const part of started.splice(0).reverse()) await part.stop();
  };
  try {
    await recoverInterrupted(ws);
    const converging = startReconcileLoop(reconciler, { onError: (error) => onError('converging', error) });
    const stopWaking = ws.onRuntimeEvent(() => converging.wake()); // a runtime's report wakes the loop at once
    started.push({ stop: async () => (stopWaking(), await converging.stop()) });
    // A change seen on a target (a watched one tells of it as it happens) wakes it too.
    started.push(startObserveLoop(ws, { onError: (error) => onError('observing', error), onChange: () => converging.wake() }));
    started.push(startPromotionLoop(ops.promotions, { onError: (error) => onError('promoting', error) }));
    await ops.buildDriver.recover();
    started.push(startBuildLoop(ops.buildDriver, { onError: (error) => onError('building', error) }));
    started.push(await startNotifications(ws, (error) => onError('notifying', error)));
    const socket = await serveControlSocket(ops, ws.stateDir, { tokens });
    started.push({ stop: () => socket.close() });
    if (!options.http) return { ops, stop };
    const http = await startHttpServer(ops, { ...options.http, tokens, onError: (error) => onError('serving', error) });
    started.push({ stop: () => http.close() });
    return { ops, url: http.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
