/**
 * Policy layers through the CLI, on the quickstart: explain says who set each value; a limit that
 * a service breaks stops validate and deploy with one message naming both sides, and changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyExample, runCli } from './helpers/cli.js';

const project = copyExample('quickstart');
const cli = (...args: string[]) => runCli(['--project', project.dir, ...args]);
afterAll(() => project.cleanup());

interface Field {
  path: string;
  value: unknown;
  origin: { kind: string; file?: string; owner?: string; line?: number };
}

describe('layers on the quickstart', () => {
  it('explain --json gives every field with its origin, and the gates of prod', async () => {
    const result = await cli('explain', 'api', '--env', 'prod', '--json');
    expect(result.code).toBe(0);
    const explanation = JSON.parse(result.stdout) as { fields: Field[]; gates: { approvals: { count: number; groups: string[] }[] } };
    const field = (path: string) => explanation.fields.find((f) => f.path === path)!;
    expect(field('workload.env.LOG_LEVEL')).toMatchObject({ value: 'warn', origin: { kind: 'file', owner: 'platform' } });
    expect(field('workload.env.LOG_LEVEL').origin.file).toMatch(/platform\/defaults\.yaml$/);
    expect(field('replicas')).toMatchObject({ value: 2, origin: { owner: 'team-api' } });
    expect(field('workload.readinessProbe.timeoutSeconds').origin.kind).toBe('built-in');
    expect(explanation.fields.every((f) => f.origin !== undefined)).toBe(true);
    expect(explanation.gates.approvals).toEqual([expect.objectContaining({ count: 1, groups: ['sre'] })]);
  });

  it('a finance limit broken by the service stops validate and deploy, naming both sides and the owner', async () => {
    const limits = join(project.dir, 'finance', 'limits.yaml');
    const good = readFileSync(limits, 'utf8');
    writeFileSync(limits, good.replace('maxReplicas: 6', 'maxReplicas: 1').replace('maxMemory: 1Gi', 'maxMemory: 64Mi'));
    try {
      const validate = await cli('validate');
      expect(validate.code).toBe(2);
      expect(validate.stderr).toMatch(/api in prod: replicas = 2 \(set in .*slipway\.yaml:\d+:\d+ \(owner team-api\)\) exceeds the maximum of 1 replica: constraint maxReplicas in .*finance\/limits\.yaml:\d+:\d+ \(owner finance\)/);
      expect(validate.stderr).toMatch(/web in prod: .*workload\.limits\.memory = "128Mi" \(set in .*platform\/defaults\.yaml.*\(owner platform\)\).*finance/);
      expect(validate.stderr).toMatch(/3 constraint violations; nothing was changed/);
      const deploy = await cli('deploy', 'api', '--env', 'prod');
      expect(deploy.code).toBe(2);
      expect(deploy.stderr).toMatch(/maxReplicas/);
      expect(JSON.parse((await cli('events', '--json')).stdout)).toEqual([]);
      expect(JSON.parse((await cli('status', '--json')).stdout).every((r: { health: string }) => r.health === 'not-deployed')).toBe(true);
    } finally {
      writeFileSync(limits, good);
    }
  });

  it('a broken layer file is reported with its own file, line and column', async () => {
    const policy = join(project.dir, 'security', 'policy.yaml');
    const good = readFileSync(policy, 'utf8');
    writeFileSync(policy, good.replace('requiredProbes:', 'requiredProbez:'));
    try {
      const validate = await cli('validate');
      expect(validate.code).toBe(2);
      expect(validate.stderr).toMatch(/security\/policy\.yaml:4:3: constraints\.requiredProbez: unknown key "requiredProbez", did you mean "requiredProbes"\?/);
    } finally {
      writeFileSync(policy, good);
    }
  });
});
