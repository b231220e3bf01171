import { describe, expect, it } from 'vitest';
import type { InstanceState } from '../../desired/types.js';
import { unitHealth } from './health.js';

const unit = { replicas: 2, configHash: 'v2' };
const at = (replica: number, state: InstanceState, configHash = 'v2') => ({ replica, state, configHash });

describe('unitHealth', () => {
  it.each([
    ['every wanted replica ready on the unit configuration', [at(0, 'ready'), at(1, 'ready')], false, 'healthy'],
    ['no instance', [], false, 'missing'],
    ['an instance crashed', [at(0, 'ready'), at(1, 'crashed')], false, 'degraded'],
    ['an instance unhealthy, even during a change', [at(0, 'ready'), at(1, 'unhealthy')], true, 'degraded'],
    ['an instance starting', [at(0, 'ready'), at(1, 'starting')], false, 'progressing'],
    ['another configuration while a change is under way', [at(0, 'ready'), at(1, 'ready', 'v1')], true, 'progressing'],
    ['another configuration left by an interrupted rollout', [at(0, 'ready'), at(1, 'ready', 'v1')], false, 'degraded'],
    ['a wanted replica without an instance, nothing changing', [at(0, 'ready')], false, 'degraded'],
    ['a replica being added', [at(0, 'ready')], true, 'progressing'],
    ['an extra replica still running', [at(0, 'ready'), at(1, 'ready'), at(2, 'ready')], false, 'progressing'],
  ] as const)('%s', (_, instances, changing, health) => {
    expect(unitHealth(unit, instances, changing)).toBe(health);
  });

  it('zero replicas with nothing running is healthy', () => {
    expect(unitHealth({ replicas: 0, configHash: 'v2' }, [], false)).toBe('healthy');
  });
});
