import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError } from '../../errors.js';
import { parseProject } from '../load.js';
import { onboardService } from './onboard.js';

/** A copy of examples/score in a temporary directory, so tests can change its files. */
function exampleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-onboard-'));
  cpSync('examples/score', dir, { recursive: true });
  return dir;
}

const WEB_CATALOG = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  description: The shop front.
  annotations:
    slipway.dev/command: node server.mjs
    slipway.dev/port: "7300"
    slipway.dev/health-path: /healthz
spec:
  type: website
  lifecycle: experimental
  owner: user:jdoe
`;

const PROJECT_WITH_SERVICE = `# The shop.
project: shop

services:
  # Kept as it is.
  api:
    workload: { command: node, args: [api.mjs] }   # flow style survives

environments:
  dev: { targets: [local] }
targets:
  local: { runtime: process }
`;

describe('onboardService', () => {
  it('adds the Score file a Component points at, keeping the project file as it was written', async () => {
    const dir = exampleCopy();
    const project = join(dir, 'slipway.yaml');
    const before = readFileSync(project, 'utf8');
    const result = await onboardService(join(dir, 'orders/catalog-info.yaml'), project);
    expect(result.name).toBe('orders');
    const snippet = `scoreFiles:
  # Onboarded from orders/catalog-info.yaml: type service, lifecycle production, owner group:default/payments, system shop, tags node
  - orders/score.yaml
`;
    expect(result.yamlSnippet).toBe(snippet);
    expect(result.updatedText).toBe(`${before}\n${snippet}`);
    expect(parseProject(result.updatedText, project).scoreFiles).toEqual(['orders/score.yaml']);
    expect(result.notes).toEqual([`${join(dir, 'orders/catalog-info.yaml')}:18:7: skipped API "orders-api": only Components become services`]);
    expect(readFileSync(project, 'utf8')).toBe(before);
  });

  it('notes a catalog owner that the Score file does not carry', async () => {
    const dir = exampleCopy();
    const score = join(dir, 'orders/score.yaml');
    writeFileSync(score, readFileSync(score, 'utf8').replace('    slipway.dev/owner: payments\n', ''));
    const { notes } = await onboardService(join(dir, 'orders/catalog-info.yaml'), join(dir, 'slipway.yaml'));
    expect(notes.at(-1)).toBe(
      'the Score file orders/score.yaml names no owner; add "slipway.dev/owner: payments" to its metadata.annotations to carry the catalog owner (group:default/payments)',
    );
  });

  it('appends a service built from annotations after the existing ones, comments and flow style intact', async () => {
    const dir = exampleCopy();
    const project = join(dir, 'slipway.yaml');
    writeFileSync(project, PROJECT_WITH_SERVICE);
    writeFileSync(join(dir, 'web.yaml'), WEB_CATALOG);
    const result = await onboardService(join(dir, 'web.yaml'), project);
    const added = `
  # Onboarded from web.yaml: type website, lifecycle experimental, owner user:jdoe
  web:
    owner: jdoe
    description: The shop front.
    catalog:
      entityRef: component:default/web
      owner: user:jdoe
      lifecycle: experimental
    workload:
      command: node
      args:
        - server.mjs
      artifact: .
      ports:
        http: 7300
      readinessProbe:
        httpGet:
          path: /healthz
          port: http
`;
    expect(result.updatedText).toBe(PROJECT_WITH_SERVICE.replace('# flow style survives\n', `# flow style survives\n${added}`));
    expect(result.yamlSnippet).toBe(`services:${added}`);
    const spec = parseProject(result.updatedText, project);
    expect(spec.services.web?.workload.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(spec.services.api?.workload.args).toEqual(['api.mjs']);
  });

  it('adds to an existing list of Score files at its own indentation', async () => {
    const dir = exampleCopy();
    const project = join(dir, 'slipway.yaml');
    const text = readFileSync(project, 'utf8').replace('project: shop\n', 'project: shop\nscoreFiles:\n- other/score.yaml   # kept\n');
    writeFileSync(project, text);
    const { updatedText } = await onboardService(join(dir, 'orders/catalog-info.yaml'), project);
    expect(updatedText).toBe(
      text.replace('# kept\n', '# kept\n# Onboarded from orders/catalog-info.yaml: type service, lifecycle production, owner group:default/payments, system shop, tags node\n- orders/score.yaml\n'),
    );
  });

  it('rewrites a services map written in flow style', async () => {
    const dir = exampleCopy();
    const project = join(dir, 'slipway.yaml');
    writeFileSync(join(dir, 'web.yaml'), WEB_CATALOG);
    writeFileSync(project, readFileSync('examples/score/slipway.yaml', 'utf8').replace('project: shop\n', 'project: shop\nservices: {}\n'));
    const { updatedText } = await onboardService(join(dir, 'web.yaml'), project);
    expect(updatedText).toContain('services:\n  # Onboarded from web.yaml: type website, lifecycle experimental, owner user:jdoe\n  web:\n    owner: jdoe\n');
    expect(Object.keys(parseProject(updatedText, project).services)).toEqual(['web']);
  });

  it('creates the services map when the project file has none', async () => {
    const dir = exampleCopy();
    writeFileSync(join(dir, 'web.yaml'), WEB_CATALOG);
    const { updatedText } = await onboardService(join(dir, 'web.yaml'), join(dir, 'slipway.yaml'));
    expect(Object.keys(parseProject(updatedText, 'slipway.yaml').services)).toEqual(['web']);
  });

  it('refuses a service that already exists, by name or by Score file', async () => {
    const dir = exampleCopy();
    const project = join(dir, 'slipway.yaml');
    writeFileSync(project, PROJECT_WITH_SERVICE);
    writeFileSync(join(dir, 'api.yaml'), WEB_CATALOG.replace('name: web', 'name: api'));
    await expect(onboardService(join(dir, 'api.yaml'), project)).rejects.toThrow(new ConflictError('service "api" already exists in the project (services); remove it first, or onboard under another slipway.dev/name'));

    const onboarded = await onboardService(join(dir, 'orders/catalog-info.yaml'), project);
    writeFileSync(project, onboarded.updatedText);
    await expect(onboardService(join(dir, 'orders/catalog-info.yaml'), project)).rejects.toThrow('the project already lists the Score file orders/score.yaml');
    writeFileSync(join(dir, 'orders2.yaml'), WEB_CATALOG.replace('name: web', 'name: orders'));
    await expect(onboardService(join(dir, 'orders2.yaml'), project)).rejects.toThrow('service "orders" already exists in the project (scoreFiles: orders/score.yaml)');
  });

  it('refuses a Score file that is invalid or names another workload', async () => {
    const dir = exampleCopy();
    const score = join(dir, 'orders/score.yaml');
    const text = readFileSync(score, 'utf8');
    writeFileSync(score, text.replace('name: orders', 'name: shop-orders'));
    await expect(onboardService(join(dir, 'orders/catalog-info.yaml'), join(dir, 'slipway.yaml'))).rejects.toThrow(
      'the Score file orders/score.yaml names its workload "shop-orders", the Component "orders"; make them agree',
    );
    writeFileSync(score, text.replace('    image: .\n', '    image: .\n    files: [{ target: /etc/x, content: x, mode: "999" }]\n'));
    const error = await onboardService(join(dir, 'orders/catalog-info.yaml'), join(dir, 'slipway.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]).toMatchObject({ file: score, line: 12, path: 'containers.main.files[0].mode' });
  });

  it('asks which Component to onboard when a file has several', async () => {
    const dir = exampleCopy();
    writeFileSync(join(dir, 'two.yaml'), `${WEB_CATALOG}---\n${WEB_CATALOG.replace('name: web', 'name: admin')}`);
    await expect(onboardService(join(dir, 'two.yaml'), join(dir, 'slipway.yaml'))).rejects.toThrow('several Components (web, admin): name the one to onboard');
    expect((await onboardService(join(dir, 'two.yaml'), join(dir, 'slipway.yaml'), { component: 'admin' })).name).toBe('admin');
    await expect(onboardService(join(dir, 'two.yaml'), join(dir, 'slipway.yaml'), { component: 'api' })).rejects.toThrow('no Component "api" here (found: web, admin)');
  });
});
