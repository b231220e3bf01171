/**
 * `slipway onboard` as a user runs it: a Backstage catalog file with no Slipway annotation, checked
 * against the project's own policy before anything is written; missing and misplaced files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const CATALOG = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: group:default/shop-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  namespace: shop
  annotations:
    backstage.io/source-location: dir:./web
spec:
  type: website
  lifecycle: production
  owner: group:default/shop-team
  system: shop
  providesApis: [web-api]
`;

const SECURITY = `owner: security
constraints:
  requiredProbes: [readiness]
`;

/** A project with a security layer requiring readiness probes, the catalog above, and `web/` with a Dockerfile. */
function shop(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-onboard-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'web'));
  writeFileSync(join(dir, 'web', 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(dir, 'security.yaml'), SECURITY);
  writeFileSync(join(dir, 'catalog-info.yaml'), CATALOG);
  writeFileSync(join(dir, 'slipway.yaml'), 'project: shop\nlayers: [security.yaml]\nenvironments:\n  dev: { targets: [box] }\ntargets:\n  box: { runtime: "null" }\n');
  return dir;
}

async function run(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(['node', 'slipway', '--project', dir, ...args], { out: (t) => out.push(t), err: (t) => out.push(t) });
  return { code, out: out.join('\n') };
}

describe('slipway onboard', () => {
  it('refuses what the project policy would refuse, says what to add to the Component, and writes nothing', async () => {
    const dir = shop();
    const before = readFileSync(join(dir, 'slipway.yaml'), 'utf8');
    const { code, out } = await run(dir, 'onboard', join(dir, 'catalog-info.yaml'));
    expect(code).toBe(2);
    expect(out).toContain('shop-web in dev: workload.readinessProbe has no readiness probe, which is required: constraint requiredProbes in ');
    expect(out).toContain(`add the annotations slipway.dev/port and slipway.dev/health-path (the readiness probe's path, such as /healthz) to the Component at ${join(dir, 'catalog-info.yaml')}:13:3, then onboard again`);
    expect(out).toContain('nothing was changed');
    expect(out).not.toContain('added');
    expect(readFileSync(join(dir, 'slipway.yaml'), 'utf8')).toBe(before);
    const dryRun = await run(dir, 'onboard', join(dir, 'catalog-info.yaml'), '--dry-run');
    expect(dryRun.code).toBe(0);
    expect(dryRun.out).toMatch(/note: the project's policy would refuse this: shop-web in dev: workload\.readinessProbe has no readiness probe/);
    expect(dryRun.out).toContain('would add shop-web to');
    expect(readFileSync(join(dir, 'slipway.yaml'), 'utf8')).toBe(before);
  });

  it('adds the Component once it says how to probe it, and lists it with its catalog fields', async () => {
    const dir = shop();
    const annotated = CATALOG.replace('dir:./web', 'dir:./web\n    slipway.dev/port: "8080"\n    slipway.dev/health-path: /healthz');
    writeFileSync(join(dir, 'catalog-info.yaml'), annotated);
    const added = await run(dir, 'onboard', join(dir, 'catalog-info.yaml'));
    expect(added.code, added.out).toBe(0);
    expect(added.out).toMatch(/skipped System "shop"/);
    expect(added.out).toContain(`added shop-web to ${join(dir, 'slipway.yaml')}:`);
    expect((await run(dir, 'validate')).code).toBe(0);
    const listed = await run(dir, 'services');
    expect(listed.out).toMatch(/^SERVICE\s+OWNER\s+ENTITY\s+SYSTEM\s+LIFECYCLE\s+APIS\n/);
    expect(listed.out).toMatch(/\nshop-web\s+shop-team\s+component:shop\/web\s+shop\s+production\s+provides web-api$/);
  });

  it('adds it as it is when a layer gives every service a readiness probe', async () => {
    const dir = shop();
    writeFileSync(join(dir, 'platform.yaml'), 'owner: platform\ndefaults:\n  workload:\n    readinessProbe: { httpGet: { path: /ready, port: 8080 } }\n');
    writeFileSync(join(dir, 'slipway.yaml'), readFileSync(join(dir, 'slipway.yaml'), 'utf8').replace('layers: [security.yaml]', 'layers: [platform.yaml, security.yaml]'));
    const { code, out } = await run(dir, 'onboard', join(dir, 'catalog-info.yaml'));
    expect(code, out).toBe(0);
    expect(readFileSync(join(dir, 'slipway.yaml'), 'utf8')).toContain('source:\n      repository: web\n      build:\n        containerfile: Dockerfile\n');
  });

  it('answers a missing catalog file with exit 3 and a directory with exit 2, never an unexpected error', async () => {
    const dir = shop();
    const missing = await run(dir, 'onboard', join(dir, 'nope.yaml'));
    expect(missing).toEqual({ code: 3, out: `catalog file "${join(dir, 'nope.yaml')}" not found` });
    const directory = await run(dir, 'onboard', dir);
    expect(directory).toEqual({ code: 2, out: `${dir} is a directory, not a catalog file; did you mean ${join(dir, 'catalog-info.yaml')}?` });
  });
});
