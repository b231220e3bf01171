/**
 * The sentences that say why a step exists. Internal to the planner: every step carries one.
 */
import type { DesiredUnit, ObservedUnit, UnitKey } from '../desired/types.js';

function where(key: UnitKey): string {
  return `in ${key.environment} on ${key.target}`;
}

/** "1 replica", "3 replicas". */
export function replicas(count: number): string {
  return `${count} ${count === 1 ? 'replica' : 'replicas'}`;
}

/** "api is not running in dev on local". */
export function notRunning(desired: DesiredUnit): string {
  return `${desired.service} is not running ${where(desired)}`;
}

/** "api in dev on local runs 1.0.0, 1.1.0 is desired" (release ids named when versions match). */
export function otherRelease(desired: DesiredUnit, observed: ObservedUnit): string {
  const prefix = `${desired.service} ${where(desired)} runs`;
  const now = observed.release;
  const next = desired.release;
  return now.version === next.version
    ? `${prefix} ${now.version} from release ${now.id}, release ${next.id} of the same version is desired`
    : `${prefix} ${now.version}, ${next.version} is desired`;
}

/** "api 1.1.0 in dev on local runs a configuration that differs from the desired one". */
export function otherConfig(desired: DesiredUnit, observed: ObservedUnit): string {
  const sentence = `${desired.service} ${desired.release.version} ${where(desired)} runs a configuration that differs from the desired one`;
  return observed.replicas === desired.replicas
    ? sentence
    : `${sentence}, and ${desired.replicas} instead of ${replicas(observed.replicas)} are desired`;
}

/** "api in dev on local runs 1 replica, 3 are desired". */
export function otherReplicas(desired: DesiredUnit, observed: ObservedUnit): string {
  const verb = desired.replicas === 1 ? 'is' : 'are';
  return `${desired.service} ${where(desired)} runs ${replicas(observed.replicas)}, ${desired.replicas} ${verb} desired`;
}

/** "api 1.0.0 runs in dev on local, but is no longer desired there". */
export function notDesired(observed: ObservedUnit): string {
  return `${observed.service} ${observed.release.version} runs ${where(observed)}, but is no longer desired there`;
}

/** "api 1.1.0 in dev on local: dev.api.0 runs another configuration (an update cut short)". */
export function instancesBehind(desired: DesiredUnit, instances: readonly string[]): string {
  return `${desired.service} ${desired.release.version} ${where(desired)}: ${instances.join(', ')} run${instances.length === 1 ? 's' : ''} another configuration (an update cut short)`;
}

/** "site 1.0.0 in web on www: changed by hand: index.html changed". */
export function changedByHand(desired: DesiredUnit, changes: readonly string[]): string {
  return `${desired.service} ${desired.release.version} ${where(desired)}: changed by hand: ${changes.join(', ')}`;
}

/** "api 1.0.0 in dev on local is degraded: dev.api.0 crashed". */
export function unwell(desired: DesiredUnit, observed: ObservedUnit): string {
  const down = observed.instances.filter((i) => i.state !== 'ready').map((i) => `${i.id} ${i.message ?? i.state}`);
  return `${desired.service} ${desired.release.version} ${where(desired)} is ${observed.health}${down.length ? `: ${down.join(', ')}` : ''}`;
}
