import { describe, expect, it } from 'vitest';
import type { DesiredUnit, ReleaseRef } from '../desired/types.js';
import { formatPlan } from './format.js';
import type { Plan } from './types.js';

const ref = (version: string): ReleaseRef => ({ id: `rel-${version}`, version, artifactDigest: null });
const unit = (service: string, replicas = 1): DesiredUnit => ({
  service,
  environment: 'dev',
  target: 'local',
  release: ref('1.1.0'),
  workload: { command: 'node', args: [], workingDir: '/srv', env: {}, ports: {} },
  replicas,
  configHash: 'c',
});

describe('formatPlan', () => {
  it('prints one line per step and a summary', () => {
    const plan: Plan = {
      steps: [
        { kind: 'deploy', unit: unit('api'), reason: 'api is not running in dev on local' },
        { kind: 'deploy', unit: unit('auth'), from: ref('1.0.0'), reason: 'auth in dev on local runs 1.0.0, 1.1.0 is desired' },
        { kind: 'update-config', unit: unit('db'), reason: 'db changed' },
        { kind: 'scale', unit: unit('queue', 3), fromReplicas: 1, reason: 'queue in dev on local runs 1 replica, 3 are desired' },
        {
          kind: 'remove',
          key: { service: 'web', environment: 'dev', target: 'local' },
          release: ref('0.9.0'),
          reason: 'web 0.9.0 runs in dev on local, but is no longer desired there',
        },
      ],
      unchanged: [{ service: 'x', environment: 'dev', target: 'local' }],
    };
    expect(formatPlan(plan)).toBe(
      [
        '+ deploy api 1.1.0 to dev@local — api is not running in dev on local',
        '+ deploy auth 1.0.0 → 1.1.0 to dev@local — auth in dev on local runs 1.0.0, 1.1.0 is desired',
        '~ update-config db 1.1.0 in dev@local — db changed',
        '± scale queue in dev@local 1 → 3 — queue in dev on local runs 1 replica, 3 are desired',
        '- remove web 0.9.0 from dev@local — web 0.9.0 runs in dev on local, but is no longer desired there',
        '',
        'Plan: 2 to deploy, 1 to update, 1 to scale, 1 to remove, 1 unchanged.',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to do', () => {
    expect(formatPlan({ steps: [], unchanged: [] })).toBe(
      'No changes: everything runs as desired.\n\nPlan: 0 to deploy, 0 to update, 0 to scale, 0 to remove, 0 unchanged.',
    );
  });
});
