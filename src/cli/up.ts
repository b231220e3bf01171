/**
 * `slipway up`: deploy every service into the first environment, then run the control plane
 * (observe, promote, converge, notify, the control socket) until SIGINT or SIGTERM. Services keep
 * running after it stops; the next `up` adopts them, so a restart of Slipway never duplicates or
 * interrupts them.
 */
import { Workspace, firstEnvironment } from '../engine/index.js';
import { startControlPlane } from '../server/index.js';
import { actor } from './connect.js';
import { formatOutcome, formatStatus } from './format.js';
import { startProgress } from './progress.js';
import { ExitCode } from './humanize.js';
import { stopSignal } from './options.js';

/** Runs until a stop signal; resolves to the exit code. */
export async function up(projectFile: string, out: (text: string) => void): Promise<number> {
  const ws = await Workspace.open({ projectFile, databaseUrl: process.env.SLIPWAY_DATABASE_URL });
  const stopped = stopSignal();
  try {
    const plane = await startControlPlane(ws, { tokens: ws.store.tokens, onError: (what, error) => console.error(`${what} failed:`, error) });
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
