/**
 * Catalog files as Backstage documents them (several documents: a System, an API, a Resource, a
 * Location, Components in two namespaces with source locations, project slugs, dependsOn and
 * providesApis), onboarded with no Slipway annotation at all.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, SlipwayError } from '../../errors.js';
import { parseProject } from '../load.js';
import { onboardService } from './onboard.js';

const CATALOG = `# The shop, as Backstage's examples write a system.
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
  description: Everything that sells.
spec:
  owner: group:default/shop-team
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
  namespace: shop
spec:
  type: openapi
  lifecycle: production
  owner: group:default/shop-team
  system: shop
  definition: |
    openapi: "3.0.0"
    info: { title: Orders, version: 1.0.0 }
    paths: {}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-db
  namespace: shop
spec:
  type: database
  owner: group:default/shop-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-bucket
  namespace: shop
spec:
  type: s3-bucket
  owner: group:default/shop-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  namespace: shop
  description: Takes orders.
  annotations:
    backstage.io/source-location: dir:./orders
    backstage.io/techdocs-ref: dir:.
  links:
    - url: https://orders.example.com
      title: Orders
spec:
  type: service
  lifecycle: production
  owner: group:default/shop-team
  system: shop
  providesApis:
    - orders-api
  consumesApis:
    - api:default/payments-api
  dependsOn:
    - resource:orders-db
    - resource:orders-bucket
    - resource:default/queue
    - component:web
    - component:default/web
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  namespace: shop
  annotations:
    backstage.io/source-location: url:https://github.com/acme/shop/tree/main/web/
spec:
  type: website
  lifecycle: experimental
  owner: group:default/shop-team
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  annotations:
    github.com/project-slug: acme/storefront
spec:
  type: website
  lifecycle: production
  owner: user:default/jdoe
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: shop-extras
spec:
  targets:
    - ./extras/catalog-info.yaml
`;

const PROJECT = `project: shop
environments:
  dev: { targets: [box] }
targets:
  box: { runtime: container }
`;

/** A project and the catalog above in a temporary directory; `orders/` holds a Dockerfile. */
function shop(): { dir: string; project: string; catalog: string } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-backstage-'));
  mkdirSync(join(dir, 'orders'));
  writeFileSync(join(dir, 'orders', 'Dockerfile'), 'FROM scratch\nCOPY app /app\nCMD ["/app"]\n');
  writeFileSync(join(dir, 'slipway.yaml'), PROJECT);
  writeFileSync(join(dir, 'catalog-info.yaml'), CATALOG);
  return { dir, project: join(dir, 'slipway.yaml'), catalog: join(dir, 'catalog-info.yaml') };
}

describe('onboarding a Backstage catalog file as it is', () => {
  it('builds a Component from the Dockerfile of its local source, keeping namespace, relations and APIs', async () => {
    const { project, catalog } = shop();
    const result = await onboardService(catalog, project, { component: 'orders' });
    expect(result.name).toBe('shop-orders');
    const spec = parseProject(result.updatedText, project);
    expect(spec.services['shop-orders']).toMatchObject({
      owner: 'shop-team',
      description: 'Takes orders.',
      source: { repository: 'orders', tags: ['v*'], build: { context: '.', containerfile: 'Dockerfile' } },
      catalog: {
        entityRef: 'component:shop/orders',
        system: 'shop',
        owner: 'group:default/shop-team',
        lifecycle: 'production',
        providesApis: ['orders-api'],
        consumesApis: ['api:default/payments-api'],
      },
      resources: { 'shop-orders-db': { type: 'postgres', id: 'shop-orders-db' } },
      dependsOn: [{ service: 'shop-web' }, { service: 'web' }],
    });
    expect(spec.services['shop-orders']!.workload).toMatchObject({ args: [] });
    expect(spec.services['shop-orders']!.workload.command).toBeUndefined();
    expect(spec.services['shop-orders']!.workload.image).toBeUndefined();
    expect(result.notes).toEqual([
      expect.stringMatching(/catalog-info\.yaml:3:7: skipped System "shop": only Components become services$/),
      expect.stringMatching(/:11:7: skipped API "orders-api"/),
      expect.stringMatching(/:26:7: skipped Resource "orders-db"/),
      expect.stringMatching(/:36:7: skipped Resource "orders-bucket"/),
      expect.stringMatching(/:97:7: skipped Location "shop-extras"/),
      'dependsOn resource:orders-bucket: Slipway provisions no resource of type "s3-bucket" (it knows database, postgres, postgresql, cache, redis); add it under the service\'s resources: by hand',
      "dependsOn resource:default/queue: the Resource is not in this catalog file, so its type is unknown; add it under the service's resources: by hand",
      expect.stringContaining('shop-orders depends on service "shop-web", which the project does not have yet: onboard it too'),
      expect.stringContaining('shop-orders depends on service "web", which the project does not have yet'),
    ]);
  });

  it('keeps two Components of one name in two namespaces apart', async () => {
    const { project, catalog } = shop();
    await expect(onboardService(catalog, project)).rejects.toThrow('several Components (orders, web, web): name the one to onboard');
    const shopWeb = await onboardService(catalog, project, { component: 'web' });
    expect(shopWeb.name).toBe('shop-web');
    // `web` of the default namespace is the last document: onboard it from a file of its own
    const defaultWeb = CATALOG.slice(CATALOG.lastIndexOf('---\napiVersion: backstage.io/v1alpha1\nkind: Component'));
    const { dir } = shop();
    writeFileSync(join(dir, 'web.yaml'), defaultWeb);
    writeFileSync(project, shopWeb.updatedText);
    const both = await onboardService(join(dir, 'web.yaml'), project);
    expect(both.name).toBe('web');
    const services = parseProject(both.updatedText, project).services;
    expect(Object.keys(services)).toEqual(['shop-web', 'web']);
    expect([services['shop-web']!.catalog?.entityRef, services.web!.catalog?.entityRef]).toEqual(['component:shop/web', 'component:default/web']);
    writeFileSync(project, both.updatedText);
    writeFileSync(join(dir, 'renamed.yaml'), defaultWeb.replace('github.com/project-slug', 'slipway.dev/name: storefront\n    github.com/project-slug'));
    await expect(onboardService(join(dir, 'renamed.yaml'), project)).rejects.toThrow('service "web" was onboarded from component:default/web already; remove it first');
  });

  it('takes a remote source on trust: the repository and directory of a tree URL, or a GitHub project slug, built as an image', async () => {
    const { dir, project, catalog } = shop();
    const shopWeb = await onboardService(catalog, project, { component: 'web' });
    expect(parseProject(shopWeb.updatedText, project).services['shop-web']!.source).toEqual({
      repository: 'https://github.com/acme/shop.git',
      tags: ['v*'],
      build: { context: 'web', timeoutSeconds: 900 },
    });
    expect(shopWeb.notes).toContain(
      'the source https://github.com/acme/shop.git (backstage.io/source-location) is not on this machine: each tag is built from the Containerfile or Dockerfile in web/, and the build fails if there is none',
    );
    writeFileSync(join(dir, 'web.yaml'), CATALOG.slice(CATALOG.lastIndexOf('---\napiVersion: backstage.io/v1alpha1\nkind: Component')));
    const web = await onboardService(join(dir, 'web.yaml'), project);
    expect(parseProject(web.updatedText, project).services.web!.source).toMatchObject({ repository: 'https://github.com/acme/storefront.git' });
  });

  it('onboards the score.yaml of a local source as a Score file', async () => {
    const { dir, project, catalog } = shop();
    writeFileSync(join(dir, 'orders', 'score.yaml'), 'apiVersion: score.dev/v1b1\nmetadata:\n  name: shop-orders\ncontainers:\n  main:\n    image: busybox\n');
    const result = await onboardService(catalog, project, { component: 'orders' });
    expect(result.yamlSnippet).toContain('scoreFiles:\n');
    expect(parseProject(result.updatedText, project).scoreFiles).toEqual(['orders/score.yaml']);
  });

  it('refuses a local source with nothing to build, at its annotation', async () => {
    const { dir, project, catalog } = shop();
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(catalog, CATALOG.replace('dir:./orders', 'dir:./empty'));
    await expect(onboardService(catalog, project, { component: 'orders' })).rejects.toThrow(
      `${catalog}:51:35: metadata.annotations.backstage.io/source-location: ${empty} holds no score.yaml, score.yml, Containerfile, Dockerfile: add one, or give slipway.dev/command`,
    );
    writeFileSync(catalog, CATALOG.replace('dir:./orders', 'dir:./gone'));
    await expect(onboardService(catalog, project, { component: 'orders' })).rejects.toThrow(`no directory at ${join(dir, 'gone')}`);
  });

  it('names a missing catalog file as not found, and a directory as no catalog file', async () => {
    const { dir, project } = shop();
    const missing = onboardService(join(dir, 'nope.yaml'), project);
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
    await expect(missing).rejects.toThrow(`catalog file "${join(dir, 'nope.yaml')}" not found`);
    const directory = onboardService(dir, project);
    await expect(directory).rejects.toMatchObject({ code: 'unsupported-file' });
    await expect(directory).rejects.toThrow(`${dir} is a directory, not a catalog file; did you mean ${join(dir, 'catalog-info.yaml')}?`);
    await expect(onboardService(join(dir, 'catalog-info.yaml'), join(dir, 'missing.yaml'))).rejects.toBeInstanceOf(SlipwayError);
    writeFileSync(join(dir, 'scored.yaml'), CATALOG.replace('backstage.io/source-location: dir:./orders', 'slipway.dev/score-file: orders/score.yaml'));
    await expect(onboardService(join(dir, 'scored.yaml'), project, { component: 'orders' })).rejects.toThrow(`Score file "${join(dir, 'orders', 'score.yaml')}" not found`);
  });
});
