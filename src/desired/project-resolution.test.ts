import { describe, expect, it } from 'vitest';
import { InvalidInputError, PolicyViolationError } from '../errors.js';
import { LayerFile, parseProjectFile, parseYaml, type Project } from '../inputs/index.js';
import { describeOrigin } from './merge.js';
import { checkProject, compliantService, resolveProjectService } from './project-resolution.js';

const PROJECT = `project: shop
layers: [platform.yaml, security.yaml, finance.yaml]
services:
  api:
    owner: team-api
    workload:
      command: node
      args: [server.mjs]
      env:
        GREETING: hello
      ports: { http: 8080 }
      readinessProbe:
        httpGet: { path: /healthz, port: http }
    replicas: 2
    environments:
      prod:
        replicas: 3
        env: { GREETING: welcome }
environments:
  dev: { targets: [local] }
  prod: { promotesFrom: [dev], targets: [local] }
targets:
  local: { runtime: process }
`;

const PLATFORM = `owner: platform
defaults:
  replicas: 1
  workload:
    env: { LOG_LEVEL: info, GREETING: hi }
    limits: { memory: 256Mi }
environments:
  prod:
    defaults:
      workload:
        env: { LOG_LEVEL: warn }
`;

const SECURITY = `owner: security
constraints:
  requiredProbes: [readiness, liveness]
  forbiddenEnv: ["AWS_*"]
environments:
  prod:
    constraints:
      approvals: { count: 2, groups: [sre] }
`;

const FINANCE = `owner: finance
environments:
  prod:
    constraints:
      maxReplicas: 2
      maxMemory: 128Mi
`;

function project(text = PROJECT, layers: Record<string, string> = { 'platform.yaml': PLATFORM, 'security.yaml': SECURITY, 'finance.yaml': FINANCE }): Project {
  const parsed = parseProjectFile(text, '/p/slipway.yaml');
  return {
    file: '/p/slipway.yaml',
    dir: '/p',
    spec: parsed.value,
    source: parsed,
    layers: parsed.value.layers.map((name) => parseYaml(LayerFile, layers[name]!, `/p/${name}`)),
  };
}

const originText = (p: Project, service: string, environment: string, path: string) =>
  describeOrigin(resolveProjectService(p, service, environment).origins.get(path)!);

describe('resolving a service through its layers', () => {
  it('applies platform default → environment default → service → service in environment', () => {
    const { spec } = resolveProjectService(project(), 'api', 'prod');
    expect(spec.workload.env).toEqual({ GREETING: 'welcome', LOG_LEVEL: 'warn' });
    expect(spec.replicas).toBe(3);
    expect(spec.workload.limits).toEqual({ memory: '256Mi' });
    const dev = resolveProjectService(project(), 'api', 'dev').spec;
    expect(dev.workload.env).toEqual({ GREETING: 'hello', LOG_LEVEL: 'info' });
    expect(dev.replicas).toBe(2);
  });

  it('knows the file, line, column and owner of every field, and which are Slipway defaults', () => {
    const p = project();
    const resolution = resolveProjectService(p, 'api', 'prod');
    expect(originText(p, 'api', 'prod', 'workload.env.LOG_LEVEL')).toBe('/p/platform.yaml:11:27 (owner platform)');
    expect(originText(p, 'api', 'prod', 'workload.env.GREETING')).toBe('/p/slipway.yaml:18:26 (owner team-api)');
    expect(originText(p, 'api', 'prod', 'replicas')).toBe('/p/slipway.yaml:17:19 (owner team-api)');
    expect(originText(p, 'api', 'prod', 'workload.limits.memory')).toBe('/p/platform.yaml:6:23 (owner platform)');
    expect(originText(p, 'api', 'prod', 'workload.readinessProbe.periodSeconds')).toBe("Slipway's default");
    const unexplained = [...resolution.origins].filter(([, origin]) => origin === undefined);
    expect(unexplained).toEqual([]);
  });

  it('reports every violation at once, naming the value, where it was set, the constraint and its owner', () => {
    const resolution = resolveProjectService(project(), 'api', 'prod');
    const messages = resolution.violations.map((v) => v.message);
    expect(messages).toHaveLength(3);
    expect(messages).toContain(
      'api in prod: replicas = 3 (set in /p/slipway.yaml:17:19 (owner team-api)) exceeds the maximum of 2 replicas: constraint maxReplicas in /p/finance.yaml:5:20 (owner finance)',
    );
    expect(messages.find((m) => m.includes('maxMemory'))).toMatch(/256Mi.*platform\.yaml:6:23 \(owner platform\).*finance\.yaml:6:18 \(owner finance\)/);
    expect(messages.find((m) => m.includes('requiredProbes'))).toMatch(/no liveness probe.*security\.yaml:3:19 \(owner security\)/);
    expect(() => compliantService(project(), 'api', 'prod')).toThrow(PolicyViolationError);
    expect(() => checkProject(project())).toThrow(/maxReplicas[\s\S]*maxMemory|maxMemory[\s\S]*maxReplicas/);
  });

  it('catches a forbidden variable set by a service, whatever the case of its name pattern', () => {
    const text = PROJECT.replace('GREETING: hello', 'AWS_SECRET_ACCESS_KEY: oops');
    const violations = resolveProjectService(project(text), 'api', 'dev').violations;
    expect(violations.map((v) => v.constraint)).toEqual(['requiredProbes', 'forbiddenEnv']);
    expect(violations[1]!.message).toMatch(/workload\.env\.AWS_SECRET_ACCESS_KEY.*forbidden/);
  });

  it('collects the gates of the environment with their owners', () => {
    const { gates } = resolveProjectService(project(), 'api', 'prod');
    expect(gates.approvals).toEqual([{ rule: { count: 2, groups: ['sre'], allowSelfApproval: false }, origin: expect.objectContaining({ owner: 'security', line: 8 }) }]);
    expect(resolveProjectService(project(), 'api', 'dev').gates.approvals).toEqual([]);
  });

  it('refuses two layers that set one default differently, whatever their order', () => {
    const layers = { 'platform.yaml': PLATFORM, 'security.yaml': `owner: security\ndefaults:\n  workload:\n    env: { LOG_LEVEL: debug }\n`, 'finance.yaml': 'owner: finance\n' };
    for (const order of ['[platform.yaml, security.yaml, finance.yaml]', '[finance.yaml, security.yaml, platform.yaml]']) {
      const p = project(PROJECT.replace('[platform.yaml, security.yaml, finance.yaml]', order), layers);
      const error = (() => {
        try {
          resolveProjectService(p, 'api', 'dev');
        } catch (e) {
          return e;
        }
      })() as InvalidInputError;
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.issues[0]).toMatchObject({ file: '/p/platform.yaml', line: 5, path: 'workload.env.LOG_LEVEL' });
      expect(error.message).toMatch(/platform\.yaml.*"info".*security\.yaml.*"debug"/);
    }
  });

  it('resolves a release snapshot that differs from the file, crediting the release', () => {
    const p = project();
    const written = { owner: 'team-api', workload: { command: 'node', readinessProbe: { httpGet: { port: 8080 } }, livenessProbe: { httpGet: { port: 8080 } } }, replicas: 1 };
    const resolution = resolveProjectService(p, 'api', 'prod', { written, release: 'v7' });
    expect(resolution.spec.replicas).toBe(1);
    expect(describeOrigin(resolution.origins.get('replicas')!)).toBe('release v7 (owner team-api)');
    expect(resolution.violations.map((v) => v.constraint)).toEqual(['maxMemory']);
  });
});
