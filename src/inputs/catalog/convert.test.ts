import { describe, expect, it } from 'vitest';
import { issuesOf } from '../test-fixtures.js';
import { catalogToService, ownerOf, splitCommandLine } from './convert.js';
import { parseCatalogInfo } from './parse.js';

const PROJECT_DIR = '/srv/shop';
const FILE = '/srv/shop/web/catalog-info.yaml';

/** A Component with `annotations` (lines, indented under metadata.annotations). */
function component(annotations: string, extra = ''): string {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  description: The shop front.
  tags: [node, web]
  annotations:
    backstage.io/techdocs-ref: dir:.
${annotations.replace(/^/gm, '    ')}
${extra}spec:
  type: website
  lifecycle: production
  owner: group:default/web-team
  system: shop
`;
}

function convert(text: string): ReturnType<typeof catalogToService> {
  const [first] = parseCatalogInfo(text, FILE).components;
  return catalogToService(first!, { projectDir: PROJECT_DIR });
}

function messages(text: string): string[] {
  return issuesOf(() => convert(text)).map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
}

describe('catalogToService', () => {
  it('builds a service from slipway.dev annotations, the owner from spec.owner and labels from the rest', () => {
    const text = component('slipway.dev/command: node "server.mjs" --title \'the shop\'\nslipway.dev/port: "7200"\nslipway.dev/health-path: /healthz\nslipway.dev/replicas: "2"');
    expect(convert(text)).toEqual({
      kind: 'service',
      name: 'web',
      owner: { name: 'web-team', ref: 'group:default/web-team' },
      labels: { type: 'website', lifecycle: 'production', owner: 'group:default/web-team', system: 'shop', tags: 'node,web' },
      notes: [],
      service: {
        owner: 'web-team',
        description: 'The shop front.',
        replicas: 2,
        catalog: { entityRef: 'component:default/web', system: 'shop', owner: 'group:default/web-team', lifecycle: 'production' },
        workload: {
          command: 'node',
          args: ['server.mjs', '--title', 'the shop'],
          artifact: 'web',
          ports: { http: 7200 },
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
        },
      },
    });
  });

  it('takes the artifact or working directory relative to the catalog file, and an auto port', () => {
    const artifact = convert(component('slipway.dev/command: node app.mjs\nslipway.dev/artifact: ./dist\nslipway.dev/port: auto'));
    expect(artifact.kind === 'service' && artifact.service.workload).toEqual({ command: 'node', args: ['app.mjs'], artifact: 'web/dist', ports: { http: 'auto' } });
    const workingDir = convert(component('slipway.dev/command: ./run\nslipway.dev/working-dir: ../shared'));
    expect(workingDir.kind === 'service' && workingDir.service.workload).toEqual({ command: './run', workingDir: 'shared' });
  });

  it('names the Score file relative to the project when the Component points at one', () => {
    const result = convert(component('slipway.dev/score-file: score.yaml'));
    expect(result).toMatchObject({ kind: 'score-file', name: 'web', scoreFile: 'web/score.yaml', owner: { name: 'web-team' } });
  });

  it('refuses workload annotations beside a Score file, each on its key', () => {
    expect(messages(component('slipway.dev/score-file: score.yaml\nslipway.dev/command: node app.mjs\nslipway.dev/port: "80"'))).toEqual([
      '10:5 metadata.annotations.slipway.dev/command: the Score file (slipway.dev/score-file) describes the workload; set this there instead',
      '11:5 metadata.annotations.slipway.dev/port: the Score file (slipway.dev/score-file) describes the workload; set this there instead',
    ]);
  });

  it('positions every annotation problem at once', () => {
    const text = component('slipway.dev/comand: node\nslipway.dev/port: "99999"\nslipway.dev/health-path: healthz\nslipway.dev/replicas: many\nslipway.dev/artifact: .\nslipway.dev/working-dir: .');
    expect(messages(text)).toEqual([
      '7:3 metadata.annotations: expected a source (backstage.io/source-location, github.com/project-slug, gitlab.com/project-slug) with a Containerfile, Dockerfile or score.yaml, or slipway.dev/command (the command line to run), or slipway.dev/score-file',
      '9:5 metadata.annotations.slipway.dev/comand: unknown Slipway annotation "slipway.dev/comand", did you mean "slipway.dev/command"?',
      '10:23 metadata.annotations.slipway.dev/port: expected a port from 1 to 65535 or "auto", got "99999"',
      '11:5 metadata.annotations.slipway.dev/health-path: a health path needs slipway.dev/port to probe',
      '11:30 metadata.annotations.slipway.dev/health-path: expected a path starting with "/", got "healthz"',
      '12:27 metadata.annotations.slipway.dev/replicas: expected a whole number of replicas, got "many"',
      '14:5 metadata.annotations.slipway.dev/working-dir: give either slipway.dev/artifact or slipway.dev/working-dir, not both',
    ]);
  });

  it('refuses an unclosed quote in the command line', () => {
    expect(messages(component('slipway.dev/command: node "server.mjs'))).toEqual(['9:26 metadata.annotations.slipway.dev/command: unclosed quote in "node \\"server.mjs"']);
  });

  it('refuses an entity name Slipway cannot use, unless slipway.dev/name gives one', () => {
    const text = component('slipway.dev/command: node app.mjs').replace('name: web', 'name: Web_Shop');
    expect(messages(text)).toEqual([
      '4:9 metadata.name: expected a Slipway service name (lower-case letters, digits and "-", starting with a letter), got "Web_Shop"; set slipway.dev/name to one',
    ]);
    expect(convert(text.replace('slipway.dev/command', 'slipway.dev/name: web-shop\n    slipway.dev/command')).name).toBe('web-shop');
  });
});

describe('ownerOf', () => {
  it.each([
    ['group:default/payments', 'payments'],
    ['user:jdoe', 'jdoe'],
    ['payments', 'payments'],
    ['group:platform/payments', 'platform/payments'],
  ])('records %s as %s and keeps the reference', (ref, name) => {
    expect(ownerOf(ref)).toEqual({ name, ref });
  });
});

describe('splitCommandLine', () => {
  it.each([
    ['node server.mjs', ['node', 'server.mjs']],
    ['  node   "my server.mjs" ', ['node', 'my server.mjs']],
    [`sh -c 'echo "hi there"'`, ['sh', '-c', 'echo "hi there"']],
    ['run --name="a b" ""', ['run', '--name=a b', '']],
    ['', []],
  ])('splits %j', (text, words) => {
    expect(splitCommandLine(text)).toEqual(words);
  });

  it('gives undefined for an unclosed quote', () => {
    expect(splitCommandLine(`echo 'hi`)).toBeUndefined();
  });
});
