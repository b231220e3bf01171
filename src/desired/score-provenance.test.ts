/**
 * A project whose service comes from a Score file: `explain`'s origins are the Score file, line and
 * column of each value it set; `validate` (`checkProject`) reports a resource no provisioner matches there.
 */
import { describe, expect, it } from 'vitest';
import { loadProject } from '../inputs/index.js';
import { describeOrigin, leaves } from './merge.js';
import { InvalidInputError } from '../errors.js';
import { checkProject, resolveProjectService } from './project-resolution.js';

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

function load(files: Record<string, string> = FILES) {
  return loadProject('/p/slipway.yaml', (path) => (path in files ? Promise.resolve(files[path]!) : Promise.reject(Object.assign(new Error('no file'), { code: 'ENOENT' }))));
}

async function origins() {
  const project = await load();
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

describe('validating a project whose Score file asks for a resource', () => {
  it('reports a resource no provisioner matches at its type in the Score file, naming the provisioners there are', async () => {
    const error = await load().then(checkProject).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([
      {
        file: '/p/api/score.yaml',
        line: Number(at('type: postgres').split(':')[1]),
        column: Number(at('type: postgres', 'postgres').split(':')[2]),
        path: 'services.api.resources.db.type',
        message: `no provisioner matches resource "db" (type postgres); the layers define no provisioners: add one for type postgres to a platform layer's provisioners`,
      },
    ]);
    const withRedis = {
      ...FILES,
      '/p/slipway.yaml': PROJECT.replace('scoreFiles:', 'layers: [platform.yaml]\nscoreFiles:'),
      '/p/platform.yaml': 'owner: platform\nprovisioners:\n  - { type: redis, provisioner: cmd, command: ./redis.sh }\n',
    };
    const other = await load(withRedis).then(checkProject).catch((caught: unknown) => caught);
    expect((other as InvalidInputError).issues.map((issue) => issue.message)).toEqual([
      `no provisioner matches resource "db" (type postgres); the layers' provisioners are redis (cmd): add one for type postgres to a platform layer's provisioners`,
    ]);
  });

  it('passes once a provisioner matches', async () => {
    const files = {
      ...FILES,
      '/p/slipway.yaml': PROJECT.replace('scoreFiles:', 'layers: [platform.yaml]\nscoreFiles:'),
      '/p/platform.yaml': 'owner: platform\nprovisioners:\n  - { type: postgres, provisioner: postgres, adminUrl: "secret:pg" }\n',
    };
    expect((await load(files).then(checkProject)).map((r) => r.service)).toEqual(['api']);
  });
});

describe('the origin of an order of containers', () => {
  const ORDERED = `apiVersion: score.dev/v1b1
metadata:
  name: api
containers:
  migrate:
    image: localhost/api:1
    before:
      main: { ready: complete }
  main:
    image: localhost/api:1
    variables: { MODE: serve }
`;

  it("is the Score file's before entry, and each sidecar's fields are found in its own container", async () => {
    const files = { '/p/slipway.yaml': PROJECT.replace('runtime: process', 'runtime: container'), '/p/api/score.yaml': ORDERED };
    const resolution = resolveProjectService(await load(files), 'api', 'dev');
    const origin = (path: string) => describeOrigin(resolution.origins.get(path)!);
    const lines = ORDERED.split('\n');
    const at = (text: string) => `/p/api/score.yaml:${lines.findIndex((line) => line.includes(text)) + 1}:`;
    expect(resolution.spec.workload).toMatchObject({ container: 'main', sidecars: { migrate: { before: { main: { ready: 'complete' } } } } });
    expect(origin('workload.sidecars.migrate.before.main.ready')).toContain(at('main: { ready: complete }'));
    expect(origin('workload.sidecars.migrate.image')).toContain(at('image: localhost/api:1'));
    expect(origin('workload.env.MODE')).toContain(at('MODE: serve'));
    expect(origin('workload.container')).toContain('/p/api/score.yaml:');
  });
});
