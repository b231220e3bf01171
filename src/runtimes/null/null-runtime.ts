/**
 * The `null` runtime: records what it is asked and runs nothing. Every instance is ready at once.
 * Its memory is a {@link NullRuntimeState} that two runtimes can share, which is how a test
 * simulates a restart of the orchestrator.
 */
import type { DesiredUnit, ObservedUnit, UnitKey } from '../../desired/types.js';
import { compareUnitKeys, unitId } from '../../desired/types.js';
import { RuntimeError } from '../../errors.js';
import { instanceId } from '../kit/names.js';
import { LOOPBACK } from '../kit/ports.js';
import type { ApplyOptions, RuntimeAdapter, RuntimeContext } from '../types.js';

/** One request the null runtime received, in order. */
export type NullCall = { readonly op: 'apply'; readonly unit: DesiredUnit } | { readonly op: 'remove'; readonly key: UnitKey };

/** Everything a null runtime remembers; outlives the runtime that filled it. */
export interface NullRuntimeState {
  /** Units as last applied, by `unitId`. */
  readonly units: Map<string, DesiredUnit>;
  /** Every apply and remove, in order. */
  readonly calls: NullCall[];
}

/** An empty state. */
export function createNullState(): NullRuntimeState {
  return { units: new Map(), calls: [] };
}

/** Opens a null runtime on `state` (a fresh one when omitted). Never fails. */
export function openNullRuntime(ctx: RuntimeContext, state: NullRuntimeState = createNullState()): Promise<NullRuntime> {
  return Promise.resolve(new NullRuntime(ctx, state));
}

export class NullRuntime implements RuntimeAdapter {
  readonly kind = 'null';
  #closed = false;

  constructor(
    private readonly ctx: RuntimeContext,
    /** What it was asked; shared with any runtime opened on the same state. */
    readonly state: NullRuntimeState,
  ) {}

  /** Records the unit. Idempotent; resolves at once. */
  async apply(unit: DesiredUnit, options: ApplyOptions = {}): Promise<void> {
    this.assertOpen();
    options.signal?.throwIfAborted();
    this.state.calls.push({ op: 'apply', unit });
    this.state.units.set(unitId(unit), unit);
    options.onProgress?.(`${unitId(unit)}: ${unit.replicas} replicas ready`);
  }

  /** Forgets the unit. Idempotent. */
  async remove(key: UnitKey): Promise<void> {
    this.assertOpen();
    this.state.calls.push({ op: 'remove', key });
    this.state.units.delete(unitId(key));
  }

  /** Every recorded unit of this target, healthy, with ready instances `<environment>.<service>.<replica>`. */
  async observe(): Promise<ObservedUnit[]> {
    return [...this.state.units.values()]
      .filter((unit) => unit.target === this.ctx.target)
      .sort(compareUnitKeys)
      .map((unit) => ({
        service: unit.service,
        environment: unit.environment,
        target: unit.target,
        release: unit.release,
        configHash: unit.configHash,
        replicas: unit.replicas,
        health: 'healthy',
        instances: Array.from({ length: unit.replicas }, (_, replica) => ({
          id: instanceId(unit, replica),
          replica,
          state: 'ready',
          release: unit.release,
          configHash: unit.configHash,
          // Nothing runs: this machine stands for "nowhere".
          host: LOOPBACK,
          ports: {},
          restarts: 0,
        })),
      }));
  }

  /** Idempotent; the state stays as it is. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  private assertOpen(): void {
    if (this.#closed) throw new RuntimeError(`null runtime of target ${this.ctx.target} is closed`);
  }
}
