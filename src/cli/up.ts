/**
 * `slipway up`: deploy every service into the first environment, then run the control plane
 * (observe, promote, converge, notify, the control socket, the HTTP API with the web UI) until
 * SIGINT or SIGTERM. Services keep
 * running after it stops; the next `up` adopts them, so a restart of Slipway never duplicates or
 * interrupts them.
 */
import { Workspace, firstEnvironment, type Operations } from '../engine/index.js';
import type { TokenStore } from '../store/token-store.js';
import { actor } from './connect.js';
import { formatOutcome, formatStatus } from './format.js';
import { startProgress } from './progress.js';
import { ExitCode } from './humanize.js';
import { stopSignal } from './options.js';

export interface UpOptions {
  /** Where the HTTP API and web UI listen; no HTTP server when absent. */
  readonly http?: { readonly host: string; readonly port: number };
}

/** Runs until a stop signal; resolves to the exit code. */
export async function up(projectFile: string, out: (text: string) => void, options: UpOptions = {}): Promise<number> {
  const ws = await Workspace.open({ projectFile, databaseUrl: process.env.SLIPWAY_DATABASE_URL, warm: true });
  const stopped = stopSignal();
  try {
    // The control plane (fastify, the loops) loads only for `up`, not with every command.
    const { startControlPlane } = await import('../server/control-plane.js');
    const plane = await startControlPlane(ws, { tokens: ws.store.tokens, http: options.http });
    try {
      const { ops } = plane;
      const environment = firstEnvironment(ws);
      for (const service of Object.keys(ws.project.spec.services)) {
        const progress = startProgress(`deploying ${service} to ${environment}`);
        const outcome = await ops.deploy({ service, environment, actor: actor() }, (m) => progress.update(m)).finally(() => progress.stop());
        out(formatOutcome(outcome));
      }
      out('');
      out(formatStatus((await ops.status()).filter((row) => row.environment === environment)));
      out('');
      if (plane.url) out(`Web UI: ${await signInLink(ws.store.tokens, ops, plane.url)}\n`);
      out(`Slipway is supervising ${ws.project.spec.project} (process ${process.pid}). Ctrl-C stops supervising;`);
      out('services keep running, and `slipway down` stops them. From another terminal: `slipway status`.');
      await stopped;
      return ExitCode.ok;
    } finally {
      await plane.stop();
    }
  } finally {
    await ws.close();
  }
}

/**
 * The web UI's address with a fresh admin token for the person who ran `up` (like Jupyter's
 * link): the token named `ui-<actor>` is replaced at each start, so an old link stops working.
 */
async function signInLink(tokens: TokenStore, ops: Operations, url: string): Promise<string> {
  const name = `ui-${actor()}`;
  if (await tokens.revokeToken(name)) await ops.recordTokenChange({ action: 'revoked', name, actor: actor() });
  const { secret } = await tokens.createToken({ name, role: 'admin', createdBy: actor() });
  await ops.recordTokenChange({ action: 'created', name, role: 'admin', actor: actor() });
  return `${url}/?token=${secret}`;
}
