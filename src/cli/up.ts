/**
 * `slipway up`: deploy every service into the first environment, then keep supervising and serve
 * the control socket until SIGINT or SIGTERM. Services keep running after it stops; the next `up`
 * adopts them, so a restart of Slipway never duplicates or interrupts them.
 */
import { LocalOperations, Workspace, firstEnvironment, startNotifications } from '../engine/index.js';
import { Reconciler, startObserveLoop, startPromotionLoop, startReconcileLoop } from '../converge/index.js';
import { serveControlSocket } from '../server/index.js';
import { actor } from './connect.js';
import { formatOutcome, formatStatus } from './format.js';
import { startProgress } from './progress.js';
import { ExitCode } from './humanize.js';

/** Runs until a stop signal; resolves to the exit code. */
export async function up(projectFile: string, out: (text: string) => void): Promise<number> {
  const ws = await Workspace.open({ projectFile, databaseUrl: process.env.SLIPWAY_DATABASE_URL });
  const reconciler = new Reconciler(ws);
  const ops = new LocalOperations(ws, { drive: 'background', drift: () => reconciler.drift() });
  const socket = await serveControlSocket(ops, ws.stateDir, { tokens: ws.store.tokens });
  const loop = startObserveLoop(ws, { onError: (error) => console.error('observing failed:', error) });
  const promotions = startPromotionLoop(ops.engine, { onError: (error) => console.error('promotions failed:', error) });
  const convergence = startReconcileLoop(reconciler, { onError: (error) => console.error('converging failed:', error) });
  const notifications = await startNotifications(ws, (error) => console.error('notifying failed:', error));
  const stopped = stopSignal();
  try {
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
    await notifications.stop();
    await convergence.stop();
    await promotions.stop();
    await loop.stop();
    await socket.close();
    await ws.close();
  }
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
