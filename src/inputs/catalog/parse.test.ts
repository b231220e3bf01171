import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { issuesOf, loaderProperties } from '../test-fixtures.js';
import { parseCatalogInfo } from './parse.js';

const EXAMPLE_FILE = 'examples/score/orders/catalog-info.yaml';
const EXAMPLE = readFileSync(EXAMPLE_FILE, 'utf8');

const COMPONENT = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
spec:
  type: website
  lifecycle: experimental
  owner: user:jdoe
`;

function messages(text: string): string[] {
  return issuesOf(() => parseCatalogInfo(text, 'catalog-info.yaml')).map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
}

describe('parseCatalogInfo', () => {
  it('keeps the Component of the example and notes the API it skips, with its position', () => {
    const { components, notes } = parseCatalogInfo(EXAMPLE, EXAMPLE_FILE);
    expect(components.map((c) => c.entity.metadata.name)).toEqual(['orders']);
    expect(components[0]?.entity.spec).toMatchObject({ type: 'service', lifecycle: 'production', owner: 'group:default/payments', system: 'shop', providesApis: ['orders-api'] });
    expect(notes).toEqual([`${EXAMPLE_FILE}:18:7: skipped API "orders-api": only Components become services`]);
  });

  it('keeps every Component of a stream, kind read case-insensitively, and skips empty documents', () => {
    const text = `${COMPONENT}---\n---\n${COMPONENT.replace('name: web', 'name: docs').replace('kind: Component', 'kind: component')}`;
    expect(parseCatalogInfo(text, 'c.yaml').components.map((c) => c.entity.metadata.name)).toEqual(['web', 'docs']);
  });

  it('positions the problems of every document at once, lines counted from the start of the file', () => {
    const broken = COMPONENT.replace('backstage.io/v1alpha1', 'backstage.io/v1alpa1').replace('  owner: user:jdoe\n', '');
    expect(messages(`${COMPONENT}---\n${broken}`)).toEqual([
      '10:13 apiVersion: unknown apiVersion "backstage.io/v1alpa1", did you mean "backstage.io/v1alpha1"?',
      '14:1 spec.owner: missing required key "owner" (expected an entity reference such as group:default/payments)',
    ]);
  });

  it('reports YAML syntax errors in a later document with their position', () => {
    expect(messages(`${COMPONENT}---\n${COMPONENT.replace('name: web', 'name: "web')}`)).toEqual(['13:9 : unclosed quote: expected a closing " for the text that starts here']);
  });

  it('refuses a file without a Component, and a Component name Backstage would refuse', () => {
    expect(messages('apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: { name: shop }\n')).toEqual(['1:1 : expected a Component entity (skipped 1 of other kinds)']);
    expect(messages('')).toEqual(['1:1 : expected a Component entity']);
    expect(messages(COMPONENT.replace('name: web', 'name: web--site'))).toEqual([
      '4:9 metadata.name: expected an entity name of letters and digits, with single "-", "_" or "." between them, got "web--site"',
    ]);
  });
});

describe('parseCatalogInfo on arbitrary input', () => {
  loaderProperties((text) => parseCatalogInfo(text, 'catalog-info.yaml'), EXAMPLE);
});
