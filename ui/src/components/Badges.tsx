/** The small signs of the matrix: health, incoming releases, drift. */
import type { Status } from '../types.js';

const HEALTH_LABEL: Record<string, string> = { healthy: 'healthy', progressing: 'progressing', degraded: 'degraded', missing: 'missing', 'not-deployed': 'not deployed' };

export function Health({ health }: { health: Status['health'] }) {
  return (
    <span className={`health ${health}`} data-testid="health">
      {HEALTH_LABEL[health] ?? health}
    </span>
  );
}

/** A release on its way in: "approval pending", "rolling out", or how it failed. */
export function Incoming({ incoming }: { incoming: NonNullable<Status['incoming']> }) {
  const { phase, version, message } = incoming;
  const label = phase === 'gated' ? (/approv/i.test(message) ? 'approval pending' : 'waiting') : ['deploying', 'verifying', 'soaking', 'rolling-back'].includes(phase) ? `${phase}` : phase;
  const tone = phase === 'gated' ? 'waiting' : ['failed', 'rolled-back'].includes(phase) ? 'bad' : 'busy';
  return (
    <span className={`badge ${tone}`} title={message} data-testid="incoming">
      {version} {label}
    </span>
  );
}

export function DriftMark({ differences }: { differences: readonly string[] }) {
  if (!differences.length) return null;
  return (
    <span className="badge drift" title={differences.join('\n')} data-testid="drift">
      drift
    </span>
  );
}
