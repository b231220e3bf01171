/**
 * A plan: the steps that take what runs (observed) to what should run (desired), each with the
 * reason it exists. Steps are readonly data, discriminated on `kind`.
 */
import type { DesiredUnit, ReleaseRef, UnitKey } from '../desired/types.js';

/** Nothing runs for this unit: start the desired release. */
export interface DeployStep {
  readonly kind: 'deploy';
  readonly unit: DesiredUnit;
  /** The release running now, when another one replaces it. */
  readonly from?: ReleaseRef;
  readonly reason: string;
}

/** The release is the same, its configuration (env, ports, probes) differs. */
export interface UpdateConfigStep {
  readonly kind: 'update-config';
  readonly unit: DesiredUnit;
  readonly reason: string;
}

/** Only the number of replicas differs. */
export interface ScaleStep {
  readonly kind: 'scale';
  readonly unit: DesiredUnit;
  readonly fromReplicas: number;
  readonly reason: string;
}

/** Release, configuration and replicas are as desired, but it is not well: instances missing or down, files changed by hand. */
export interface RepairStep {
  readonly kind: 'repair';
  readonly unit: DesiredUnit;
  readonly reason: string;
}

/** Something runs that nothing asks for any more. */
export interface RemoveStep {
  readonly kind: 'remove';
  readonly key: UnitKey;
  readonly release: ReleaseRef;
  readonly reason: string;
}

export type PlanStep = DeployStep | UpdateConfigStep | ScaleStep | RepairStep | RemoveStep;
export type PlanStepKind = PlanStep['kind'];

export interface Plan {
  /** In a stable order: by service, environment, target. */
  readonly steps: readonly PlanStep[];
  /** Units already as they should be: "api in dev is unchanged". */
  readonly unchanged: readonly UnitKey[];
}

/** The unit key of any step. */
export function stepKey(step: PlanStep): UnitKey {
  return step.kind === 'remove' ? step.key : step.unit;
}
