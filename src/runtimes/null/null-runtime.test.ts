import { describe, expect, it } from 'vitest';
import { ephemeralSealer } from '../../secrets/index.js';
import { adapterContract, contractUnit } from '../adapter-contract.js';
import { createNullState, openNullRuntime, type NullRuntimeState } from './null-runtime.js';

const ctx = { target: 'local', stateDir: '/nonexistent', sealer: ephemeralSealer() };
const workload = () => ({ command: 'true', args: [], workingDir: '/', env: {}, ports: {} });

let state: NullRuntimeState = createNullState();
adapterContract('null', {
  open: () => openNullRuntime(ctx, (state = createNullState())),
  reopen: () => openNullRuntime(ctx, state),
  unit: (overrides) => contractUnit(ctx.target, workload, overrides),
  withoutLogs: true,
});

describe('null runtime', () => {
  it('records every request in order', async () => {
    const runtime = await openNullRuntime(ctx);
    const unit = contractUnit(ctx.target, workload);
    await runtime.apply(unit);
    await runtime.remove(unit);
    expect(runtime.state.calls).toEqual([
      { op: 'apply', unit },
      { op: 'remove', key: unit },
    ]);
  });

  it('reports only the units of its own target', async () => {
    const state = createNullState();
    const local = await openNullRuntime(ctx, state);
    const other = await openNullRuntime({ ...ctx, target: 'other' }, state);
    await local.apply(contractUnit('local', workload));
    expect(await other.observe()).toEqual([]);
    expect(await local.observe()).toHaveLength(1);
  });

  it('refuses work once closed', async () => {
    const runtime = await openNullRuntime(ctx);
    await runtime.close();
    await expect(runtime.apply(contractUnit(ctx.target, workload))).rejects.toMatchObject({ code: 'runtime-failed' });
  });
});
