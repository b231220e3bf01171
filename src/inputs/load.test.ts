import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, SlipwayError, type InputIssue } from '../errors.js';
import { findProjectFile, loadProject, parseProject } from './load.js';

const FILE = 'slipway.yaml';

/** A valid project file; tests change lines of it. */
const VALID = `project: demo
services:
  api:
    workload:
      command: node
      args: [server.mjs]
      ports: { http: 7100 }
      readinessProbe:
        httpGet: { path: /healthz, port: http }
    environments:
      prod: { replicas: 2 }
environments:
  dev:
    targets: [local]
  prod:
    promotesFrom: [dev]
    targets: [local]
targets:
  local:
    runtime: process
`;

/** The issues `parseProject` throws for `text`; fails the test when it does not throw them. */
function issuesOf(text: string): readonly InputIssue[] {
  try {
    parseProject(text, FILE);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues;
    throw error;
  }
  throw new Error('expected the project file to be rejected');
}

function replace(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('parseProject', () => {
  it('returns the spec with defaults applied', () => {
    const spec = parseProject(VALID, FILE);
    const api = spec.services.api!;
    expect(api.replicas).toBe(1);
    expect(api.workload.env).toEqual({});
    expect(api.workload.readinessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'http' },
      initialDelaySeconds: 0,
      periodSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: 3,
    });
    expect(spec.environments.dev!.promotesFrom).toEqual([]);
    expect(spec.targets.local).toEqual({ runtime: 'process', logMaxBytes: 10 * 1024 * 1024, logKeep: 3 });
  });

  it('reports a value of the wrong type with the value, the expectation and its position', () => {
    const issues = issuesOf(replace(VALID, '      prod: { replicas: 2 }', '      prod: { replicas: two }'));
    expect(issues).toEqual([
      { file: FILE, line: 11, column: 25, path: 'services.api.environments.prod.replicas', message: 'expected a whole number ≥ 0, got "two"' },
    ]);
  });

  it('describes numeric ranges and truncates long values', () => {
    const long = 'x'.repeat(100);
    const [issue] = issuesOf(replace(VALID, 'http: 7100', `http: ${long}`));
    expect(issue).toMatchObject({ line: 7, column: 22, path: 'services.api.workload.ports.http' });
    expect(issue!.message).toMatch(/^expected a whole number from 1 to 65535 or "auto", got "x{30,}…$/);
    expect(issue!.message.length).toBeLessThan(120);
  });

  it('reports an unknown key at the key, with a suggestion', () => {
    const issues = issuesOf(replace(VALID, '    workload:', '    workloda:'));
    expect(issues).toContainEqual({ file: FILE, line: 4, column: 5, path: 'services.api.workloda', message: 'unknown key "workloda", did you mean "workload"?' });
    expect(issues).toContainEqual(expect.objectContaining({ line: 3, column: 3, path: 'services.api.workload', message: expect.stringMatching(/^missing required key "workload"/) }));
  });

  it('lists the allowed keys when no key is close', () => {
    const [issue] = issuesOf(replace(VALID, '    runtime: process', '    runtime: process\n    colour: blue'));
    expect(issue).toMatchObject({ line: 21, column: 5, path: 'targets.local.colour' });
    expect(issue!.message).toBe('unknown key "colour" (expected one of: runtime, baseDir, logMaxBytes, logKeep)');
  });

  it('suggests the runtime a misspelt discriminator meant', () => {
    const [issue] = issuesOf(replace(VALID, 'runtime: process', 'runtime: proces'));
    expect(issue).toMatchObject({ line: 20, column: 14, path: 'targets.local.runtime', message: 'unknown runtime "proces", did you mean "process"?' });
  });

  it('reports bad indentation in plain words', () => {
    const issues = issuesOf(replace(VALID, '    environments:\n', '   environments:\n'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 10, column: 1, path: '' });
    expect(issues[0]!.message).toMatch(/must start at the same column; check the indentation/);
  });

  it('reports tabs and unclosed quotes where they are', () => {
    expect(issuesOf('project: demo\nservices:\n\tapi: {}\n')[0]).toMatchObject({ line: 3, column: 1, message: expect.stringMatching(/tabs .* indent with spaces/) });
    expect(issuesOf('project: "demo\nenvironments: {}\n')).toEqual([
      { file: FILE, line: 1, column: 10, path: '', message: 'unclosed quote: expected a closing " for the text that starts here' },
    ]);
  });

  it('names a duplicate service and where it was first defined', () => {
    const text = replace(VALID, 'environments:\n  dev:', '  api:\n    workload: { command: node }\nenvironments:\n  dev:');
    expect(issuesOf(text)).toEqual([{ file: FILE, line: 12, column: 3, path: 'services.api', message: 'duplicate service "api" (first defined at line 3)' }]);
  });

  it('names duplicate keys of other maps as keys', () => {
    const [issue] = issuesOf(replace(VALID, '      command: node\n', '      command: node\n      command: deno\n'));
    expect(issue).toMatchObject({ line: 6, column: 7, path: 'services.api.workload.command', message: 'duplicate key "command" (first defined at line 5)' });
  });

  it('checks cross references after the schema passes', () => {
    let text = replace(VALID, '    targets: [local]\n  prod:', '    targets: [lcoal]\n  prod:');
    text = replace(text, 'port: http }', 'port: admin }');
    text = replace(text, '      prod: { replicas: 2 }', '      production: { replicas: 2 }');
    text = replace(text, 'promotesFrom: [dev]', 'promotesFrom: [dev, qa]');
    expect(issuesOf(text)).toEqual([
      { file: FILE, line: 9, column: 42, path: 'services.api.workload.readinessProbe.httpGet.port', message: 'unknown port "admin" (expected one of: http)' },
      { file: FILE, line: 11, column: 7, path: 'services.api.environments.production', message: 'unknown environment "production", did you mean "prod"?' },
      { file: FILE, line: 14, column: 15, path: 'environments.dev.targets[0]', message: 'unknown target "lcoal", did you mean "local"?' },
      { file: FILE, line: 16, column: 25, path: 'environments.prod.promotesFrom[1]', message: 'unknown environment "qa" (expected one of: dev, prod)' },
    ]);
  });

  it('refuses HAProxy names that would be another admin command, at their positions', () => {
    const ssh = `  local:
    runtime: ssh
    identityFile: /k
    hosts: [{ name: web-1, address: 10.0.0.1, hostKeys: ["SHA256:${'A'.repeat(43)}"] }]
    haproxy:
      socket: /run/haproxy.sock
      backend: "web;shutdown sessions server web/web-1"
      servers: { web-1: "web-1\\nset server web/web-1 state maint" }
`;
    const issues = issuesOf(replace(VALID, '  local:\n    runtime: process\n', ssh));
    expect(issues).toEqual([
      { file: FILE, line: 25, column: 16, path: 'targets.local.haproxy.backend', message: expect.stringMatching(/^expected an HAProxy name of letters, digits, "-", "_", "\." and ":", got "web;shutdown/) },
      { file: FILE, line: 26, column: 25, path: 'targets.local.haproxy.servers.web-1', message: expect.stringMatching(/^expected an HAProxy name of letters, digits, "-", "_", "\." and ":", got "web-1\\nset/) },
    ]);
  });

  it('refuses a probe path an HTTP client cannot send, and an ssh host address that is no host, at their positions', () => {
    const text = replace(VALID, 'httpGet: { path: /healthz, port: http }', 'httpGet: { path: "/health z", port: http }');
    expect(issuesOf(text)).toEqual([
      {
        file: FILE,
        line: 9,
        column: 26,
        path: 'services.api.workload.readinessProbe.httpGet.path',
        message: 'expected a URL path such as /healthz or /status?full=1 (no spaces or control characters; %20 for a space), got "/health z"',
      },
    ]);
    let error: unknown;
    try {
      parseProject(replace(VALID, 'path: /healthz', 'path: "/healthz\\r\\n"'), FILE);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^slipway\.yaml:9:26: services\.api\.workload\.readinessProbe\.httpGet\.path: expected a URL path/);
    const ssh = `  local:
    runtime: ssh
    identityFile: /k
    hosts: [{ name: web-1, address: "10.0.0.1; rm -rf /", hostKeys: ["SHA256:${'A'.repeat(43)}"] }]
`;
    expect(issuesOf(replace(VALID, '  local:\n    runtime: process\n', ssh))).toEqual([
      { file: FILE, line: 22, column: 37, path: 'targets.local.hosts[0].address', message: expect.stringMatching(/^expected a host name or IP address/) },
    ]);
  });

  it('refuses a before key naming no other container, a cycle, and a sidecar named as the workload\'s own container, at their positions', () => {
    const sidecars = `      container: api
      sidecars:
        migrate: { image: localhost/app:1, before: { ap: { ready: complete }, migrate: { ready: started } } }
        seed: { image: localhost/app:1, before: { proxy: { ready: complete } } }
        proxy: { image: localhost/envoy:1, before: { seed: { ready: started } } }
`;
    const text = replace(VALID, '      readinessProbe:\n', `${sidecars}      readinessProbe:\n`);
    expect(issuesOf(text).map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`)).toEqual([
      '10:54 services.api.workload.sidecars.migrate.before.ap: unknown container "ap", did you mean "api"?',
      '10:79 services.api.workload.sidecars.migrate.before.migrate: a container cannot start before itself; name another container of this workload',
      '12:54 services.api.workload.sidecars.proxy.before.seed: start order cycle: seed → proxy → seed (each must start before the next)',
    ]);
    expect(issuesOf(replace(VALID, '      readinessProbe:\n', '      container: web\n      sidecars: { web: { image: x } }\n      readinessProbe:\n')).map((issue) => issue.message)).toEqual([
      "a sidecar is named web too; give the workload's own container another name",
    ]);
  });

  it('names a promotion cycle and a missing first environment', () => {
    const text = replace(VALID, '  dev:\n    targets', '  dev:\n    promotesFrom: [prod]\n    targets');
    expect(issuesOf(text)).toEqual([
      { file: FILE, line: 12, column: 1, path: 'environments', message: 'no first environment: expected at least one environment with an empty promotesFrom' },
      { file: FILE, line: 17, column: 20, path: 'environments.prod.promotesFrom[0]', message: 'promotion cycle: prod → dev → prod' },
    ]);
  });

  it('reports an environment promoting from itself as a cycle', () => {
    const issues = issuesOf(replace(VALID, 'promotesFrom: [dev]', 'promotesFrom: [prod]'));
    expect(issues.map((issue) => issue.message)).toEqual(['promotion cycle: prod → prod']);
  });

  it('reports several problems at once, in the order of the file', () => {
    let text = replace(VALID, 'project: demo', 'project: Demo');
    text = replace(text, '      command: node', '      command: 42');
    text = replace(text, '    runtime: process', '    runtime: process\n    logKeep: -1');
    const issues = issuesOf(text);
    expect(issues.map((issue) => [issue.line, issue.path])).toEqual([
      [1, 'project'],
      [5, 'services.api.workload.command'],
      [21, 'targets.local.logKeep'],
    ]);
    expect(issues[1]!.message).toBe('expected non-empty text, got 42');
  });

  it('reports a missing required section on its parent and a missing file content as one issue', () => {
    expect(issuesOf('project: demo\nenvironments: {}\n')).toEqual([
      { file: FILE, line: 1, column: 1, path: 'targets', message: 'missing required key "targets" (expected a map)' },
    ]);
    expect(issuesOf('')).toEqual([{ file: FILE, line: 1, column: 1, path: '', message: 'expected a map, got nothing' }]);
  });

  it('reports an unresolved alias rather than throwing', () => {
    expect(issuesOf('project: *name\n')).toEqual([
      { file: FILE, line: 1, column: 10, path: '', message: 'unresolved alias (the anchor must be set before the alias): name' },
    ]);
  });
});

describe('loadProject', () => {
  it('loads a file with its absolute path and directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-inputs-'));
    writeFileSync(join(dir, 'slipway.yaml'), VALID);
    const project = await loadProject(join(dir, 'slipway.yaml'));
    expect(project).toMatchObject({ file: join(dir, 'slipway.yaml'), dir });
    expect(Object.keys(project.spec.services)).toEqual(['api']);
  });

  it('names the absolute path in issues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-inputs-'));
    writeFileSync(join(dir, 'slipway.yaml'), 'project: 1\n');
    await expect(loadProject(join(dir, 'slipway.yaml'))).rejects.toThrow(`${join(dir, 'slipway.yaml')}:1:10: project:`);
  });

  it('says project-not-found for a missing file, naming it', async () => {
    const missing = join(tmpdir(), 'slipway-no-such-dir', 'slipway.yaml');
    const error: unknown = await loadProject(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: 'project-not-found', message: expect.stringContaining(missing) });
  });
});

describe('findProjectFile', () => {
  it('prefers slipway.yaml, then slipway.yml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-inputs-'));
    writeFileSync(join(dir, 'slipway.yml'), VALID);
    expect(findProjectFile(dir)).toBe(join(dir, 'slipway.yml'));
    writeFileSync(join(dir, 'slipway.yaml'), VALID);
    expect(findProjectFile(dir)).toBe(join(dir, 'slipway.yaml'));
  });

  it('says where it looked when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-inputs-'));
    mkdirSync(join(dir, 'slipway.yaml'));
    expect(() => findProjectFile(dir)).toThrow(expect.objectContaining({ code: 'project-not-found', message: expect.stringContaining(dir) }));
  });
});
