/** `explain`'s origins for a service made from a Score file: the Score file, line and column of each value it set. */
import { describe, expect, it } from 'vitest';
import { loadProject } from '../inputs/index.js';
import { describeOrigin, leaves } from './merge.js';
import { resolveProjectService } from './project-resolution.js';

const PROJECT = `project: shop
scoreFiles: [api/score.yaml]
environments:
  dev: { targets: [local] }
targets:
  local: { runtime: process }
`;

const SCORE = `apiVersion: score.dev/v1b1
metadata:
  name: api
  annotations:
    slipway.dev/owner: team-api
containers:
  main:
    image: .
    command: [node]
    args: [server.mjs]
    variables:
      GREETING: hello
      DB: \${resources.db.host}
    readinessProbe:
      httpGet: { path: /healthz, port: 8080 }
    resources:
      limits: { memory: 1.5Gi }
service:
  ports:
    http: { port: 8080 }
resources:
  db:
    type: postgres
    params: { size: small }
`;

const FILES: Record<string, string> = { '/p/slipway.yaml': PROJECT, '/p/api/score.yaml': SCORE };

async function origins() {
  const project = await loadProject('/p/slipway.yaml', (path) => Promise.resolve(FILES[path] ?? Promise.reject(Object.assign(new Error('no file'), { code: 'ENOENT' }))));
  const resolution = resolveProjectService(project, 'api', 'dev');
  return Object.fromEntries(leaves(resolution.spec, []).map(({ path }) => [path.join('.'), describeOrigin(resolution.origins.get(path.join('.'))!)]));
}

/** `line:column` of the first occurrence of `text` on the line that contains `context`. */
function at(context: string, text = context): string {
  const lines = SCORE.split('\n');
  const index = lines.findIndex((line) => line.includes(context));
  return `/p/api/score.yaml:${index + 1}:${lines[index]!.indexOf(text) + 1}`;
}

describe('the origin of a value set by a Score file', () => {
  it('is the Score file, line and column of that value, never the project file', async () => {
    const found = await origins();
    const expected: Record<string, string> = {
      owner: at('slipway.dev/owner', 'team-api'),
      'workload.command': at('command: [node]', 'node'),
      'workload.args': at('args: [server.mjs]', '['),
      'workload.artifact': at('image: .', '.'),
      'workload.env.GREETING': at('GREETING', 'hello'),
      'workload.env.DB': at('DB:', '$'),
      'workload.readinessProbe.httpGet.path': at('httpGet:', '/healthz'),
      'workload.readinessProbe.httpGet.port': at('httpGet:', '8080'),
      'workload.limits.memory': at('limits:', '1.5Gi'),
      'workload.ports.http': at('http: { port', '8080'),
      'resources.db.type': at('type: postgres', 'postgres'),
      'resources.db.params.size': at('params:', 'small'),
    };
    for (const [path, origin] of Object.entries(expected)) expect(found[path], path).toContain(origin);
  });

  it('credits what the Score file did not set to Slipway, not to a line of any file', async () => {
    const found = await origins();
    expect(found['workload.readinessProbe.periodSeconds']).toBe("Slipway's default");
    expect(found.replicas).toBe("Slipway's default");
    expect(Object.values(found).filter((origin) => origin.includes('slipway.yaml'))).toEqual([]);
  });
});
