/** `preview` refuses what deploying would fail on: a resource no provisioner matches. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, PolicyViolationError } from '../errors.js';
import { preview } from './preview.js';
import { Workspace } from './workspace.js';

const PROJECT = `project: shop
services:
  web:
    workload: { command: node, args: [server.mjs] }
    resources:
      cache: { type: redis }
environments:
  dev: { targets: [local] }
targets:
  local: { runtime: "null" }
`;

let dir: string | undefined;
let ws: Workspace | undefined;

afterEach(async () => {
  await ws?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(project: string, files: Record<string, string> = {}): Promise<Workspace> {
  dir = mkdtempSync(join(tmpdir(), 'slipway-preview-'));
  for (const [name, text] of Object.entries({ 'slipway.yaml': project, ...files })) writeFileSync(join(dir, name), text);
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  return ws;
}

describe('preview', () => {
  it('refuses a service asking for a resource no provisioner matches, at the position of its type', async () => {
    const error = await preview(await open(PROJECT), 'dev').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([
      {
        file: join(dir!, 'slipway.yaml'),
        line: 6,
        column: 22,
        path: 'services.web.resources.cache.type',
        message: `no provisioner matches resource "cache" (type redis); the layers define no provisioners: add one for type redis to a platform layer's provisioners`,
      },
    ]);
  });

  it('plans as before once a provisioner matches', async () => {
    const layer = 'owner: platform\nprovisioners:\n  - { type: redis, provisioner: cmd, command: ./redis.sh }\n';
    const plan = await preview(await open(PROJECT.replace('project: shop\n', 'project: shop\nlayers: [platform.yaml]\n'), { 'platform.yaml': layer }), 'dev');
    expect(plan.steps.map((step) => step.kind)).toEqual(['deploy']);
  });
});

describe('a project mixing runtimes', () => {
  const MIXED = `project: shop
services:
  web:
    workload:
      image: localhost/web:1
      files: [{ target: /etc/web.conf, content: x }]
environments:
  dev: { targets: [lab] }
  prod: { targets: [box] }
targets:
  lab: { runtime: "null" }
  box: { runtime: process }
`;

  it('loads a workload one of its runtimes runs, and refuses it for a target whose runtime cannot, naming both, before anything runs', async () => {
    const opened = await open(MIXED);
    expect((await preview(opened, 'dev')).steps.map((step) => step.kind)).toEqual(['deploy']);
    const error = await preview(opened, 'prod').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect((error as PolicyViolationError).violations.map((v) => v.message)).toEqual([
      'web cannot run in prod: services.web.workload.command: the process runtime (target box) cannot honour this: it starts the command itself and reads no image entrypoint; give command (and args)',
      'web cannot run in prod: services.web.workload.files.0: the process runtime (target box) cannot honour this: it mounts no files into a process; ship them in the artifact, or pass their content in variables',
    ]);
  });
});
