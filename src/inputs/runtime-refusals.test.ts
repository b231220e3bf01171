import { describe, expect, it } from 'vitest';
import type { InputIssue } from '../errors.js';
import { issuesOfProjectFiles } from './test-fixtures.js';
import { refusalsOn, runtimeRefusals } from './cross-references.js';

/** A Score workload as the specification writes it: no command, files, a volume, requests, a sidecar, UDP, targetPort, exec probe, headers. */
const SCORE = `apiVersion: score.dev/v1b1
metadata:
  name: web
service:
  ports:
    http: { port: 8080, targetPort: 80 }
    dns: { port: 5353, protocol: UDP }
containers:
  web:
    image: localhost/web:1
    files:
      - { target: /etc/web.conf, content: "x" }
    volumes:
      - { source: data, target: /data }
    resources:
      requests: { memory: 64Mi }
    readinessProbe:
      httpGet: { path: /, port: 80, httpHeaders: [{ name: X-Probe, value: "1" }] }
    livenessProbe:
      exec: { command: ["true"] }
  cache:
    image: localhost/cache:1
`;

const project = (runtime: string) => `project: demo
scoreFiles: [web/score.yaml]
environments:
  dev: { targets: [box] }
targets:
  box: { runtime: ${runtime} }
`;

/** Loads the project from memory, with `runtime` as its one target's kind. */
async function load(runtime: string): Promise<readonly InputIssue[]> {
  const files: Record<string, string> = { '/p/slipway.yaml': project(runtime), '/p/web/score.yaml': SCORE };
  return issuesOfProjectFiles(files);
}

describe('what a runtime cannot honour', () => {
  it('the container runtime takes a Score workload as the specification writes it', async () => {
    expect(await load('container')).toEqual([]);
  });

  it('the process runtime refuses it, each field at its line and column in the Score file, naming the runtime and target', async () => {
    const issues = await load('process');
    const prefix = 'the process runtime (target box) cannot honour this: ';
    expect(issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message.replace(prefix, '')}`)).toEqual([
      '/p/web/score.yaml:6:37 the process listens on the service port itself (PORT_HTTP); remove targetPort or make it the port',
      '/p/web/score.yaml:7:34 it serves and probes TCP ports only; UDP needs a container target',
      '/p/web/score.yaml:9:3 it starts the command itself and reads no image entrypoint; give command (and args)',
      '/p/web/score.yaml:12:9 it mounts no files into a process; ship them in the artifact, or pass their content in variables',
      '/p/web/score.yaml:14:9 it mounts no volumes into a process; declare storage as a resource instead',
      '/p/web/score.yaml:16:7 it reserves nothing for a process; remove requests (limits are applied)',
      '/p/web/score.yaml:18:37 it sends no headers with a probe; remove httpHeaders',
      '/p/web/score.yaml:20:7 it probes over HTTP only; an exec probe needs a container target',
      '/p/web/score.yaml:21:3 it runs one process per replica; several containers sharing a network need a container target',
    ]);
    expect(issues.every((i) => i.message.startsWith(prefix))).toBe(true);
  });

  it('a project-file workload is refused at its own position', async () => {
    const text = `project: demo
services:
  web:
    workload:
      image: localhost/web:1
      files: [{ target: /etc/x, content: x }]
environments:
  dev: { targets: [box] }
targets:
  box: { runtime: process }
`;
    const issues = await issuesOfProjectFiles({ '/p/slipway.yaml': text });
    expect(issues.map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '4:5 the process runtime (target box) cannot honour this: it starts the command itself and reads no image entrypoint; give command (and args)',
      '6:15 the process runtime (target box) cannot honour this: it mounts no files into a process; ship them in the artifact, or pass their content in variables',
    ]);
  });
});

describe('a project with targets of several runtimes', () => {
  const mixed = `project: demo
scoreFiles: [web/score.yaml]
services:
  api:
    workload: { command: node, args: [server.mjs], ports: { http: 8080 } }
environments:
  dev: { targets: [box] }
  lab: { targets: [ctr] }
targets:
  box: { runtime: process }
  ctr: { runtime: container }
`;

  it('loads when each workload runs on some runtime; each is refused on the others when it is resolved for their targets', async () => {
    expect(await issuesOfProjectFiles({ '/p/slipway.yaml': mixed, '/p/web/score.yaml': SCORE })).toEqual([]);
    const project = { environments: { dev: { targets: ['box'] }, lab: { targets: ['ctr'] } }, targets: { box: { runtime: 'process' }, ctr: { runtime: 'container' } } };
    const api = { command: 'node', args: ['server.mjs'], env: {}, ports: { http: 8080 } } as unknown as Parameters<typeof runtimeRefusals>[0];
    expect(runtimeRefusals(api, project as unknown as Parameters<typeof runtimeRefusals>[1])).toEqual([]);
    expect(refusalsOn(api, 'container', ['ctr']).map((r) => r.message)).toEqual([expect.stringMatching(/^the container runtime \(target ctr\) cannot honour this: /)]);
  });
});

describe('a service whose image its source builds', () => {
  const built = (runtime: string) => `project: demo
services:
  web:
    source: { repository: "https://git.example.com/acme/web.git" }
    workload: {}
environments:
  dev: { targets: [box] }
targets:
  box: { runtime: ${runtime} }
`;

  it('runs on a container target, and is refused where a process must be started by command', async () => {
    expect(await issuesOfProjectFiles({ '/p/slipway.yaml': built('container') })).toEqual([]);
    const refused = await issuesOfProjectFiles({ '/p/slipway.yaml': built('process') });
    expect(refused.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'services.web.workload.command: the process runtime (target box) cannot honour this: it starts the command itself and reads no image entrypoint; give command (and args)',
    ]);
  });
});

describe('a Score workload whose containers are ordered by before', () => {
  const ORDERED = `apiVersion: score.dev/v1b1
metadata:
  name: web
containers:
  migrate:
    image: localhost/web:1
    command: [migrate]
    before:
      web: { ready: complete }
  web:
    image: localhost/web:1
    command: [serve]
`;
  const files = (runtime: string) => ({ '/p/slipway.yaml': project(runtime), '/p/web/score.yaml': ORDERED });

  it('runs on a container target', async () => {
    expect(await issuesOfProjectFiles(files('container'))).toEqual([]);
  });

  it('is refused by the process, ssh and static runtimes at before, naming the runtime and target', async () => {
    const ssh = `box:\n    runtime: ssh\n    identityFile: /k\n    hosts: [{ name: web-1, address: 10.0.0.1, hostKeys: ["SHA256:${'A'.repeat(43)}"] }]`;
    const refusals = async (text: string) => (await issuesOfProjectFiles({ ...files('process'), '/p/slipway.yaml': text })).filter((i) => i.message.includes('order'));
    expect((await refusals(project('process'))).map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '8:5 the process runtime (target box) cannot honour this: it starts one process per replica and orders no containers; ordering them needs a container target',
    ]);
    expect((await refusals(project('process').replace('box: { runtime: process }', ssh))).map((i) => i.message)).toEqual([
      expect.stringMatching(/^the ssh runtime \(target box\) cannot honour this: it starts one process per replica and orders no containers/),
    ]);
    expect((await refusals(project('static').replace('box: { runtime: static }', 'box: { runtime: static, webRoot: www }'))).map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '8:5 the static runtime (target box) cannot honour this: it publishes a site and starts no containers, so it cannot order them; remove before',
    ]);
  });

  it('is refused only for the targets of a runtime that cannot honour it, when a container target runs it too', async () => {
    const mixed = `project: demo
scoreFiles: [web/score.yaml]
environments:
  dev: { targets: [box] }
  lab: { targets: [ctr] }
targets:
  box: { runtime: process }
  ctr: { runtime: container }
`;
    expect(await issuesOfProjectFiles({ '/p/slipway.yaml': mixed, '/p/web/score.yaml': ORDERED })).toEqual([]);
  });
});
