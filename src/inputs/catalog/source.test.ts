import { describe, expect, it } from 'vitest';
import type { Problem } from '../yaml-source.js';
import { repositoryOfUrl, sourceLocation } from './source.js';

const CATALOG_DIR = '/srv/shop/web';

function located(annotations: Record<string, string>): { location: ReturnType<typeof sourceLocation>; problems: string[] } {
  const problems: Problem[] = [];
  const location = sourceLocation(annotations, CATALOG_DIR, problems);
  return { location, problems: problems.map((p) => `${p.path.join('.')}: ${p.message}`) };
}

describe('sourceLocation', () => {
  it.each([
    ['url:https://github.com/backstage/backstage/tree/master/', { repository: 'https://github.com/backstage/backstage.git' }],
    ['url:https://github.com/acme/shop/tree/main/services/web', { repository: 'https://github.com/acme/shop.git', context: 'services/web' }],
    ['url:https://github.com/acme/shop/blob/main/web/catalog-info.yaml', { repository: 'https://github.com/acme/shop.git', context: 'web' }],
    ['url:https://gitlab.com/acme/platform/shop/-/tree/main/web', { repository: 'https://gitlab.com/acme/platform/shop.git', context: 'web' }],
    ['url:https://bitbucket.org/acme/shop/src/main/web/', { repository: 'https://bitbucket.org/acme/shop.git', context: 'web' }],
    ['url:https://git.example.com/acme/shop.git', { repository: 'https://git.example.com/acme/shop.git' }],
  ])('reads backstage.io/source-location %s', (value, expected) => {
    expect(located({ 'backstage.io/source-location': value })).toEqual({ location: { kind: 'repository', annotation: 'backstage.io/source-location', ...expected }, problems: [] });
  });

  it('resolves a dir: location against the catalog file, and keeps an absolute one', () => {
    expect(located({ 'backstage.io/source-location': 'dir:.' }).location).toEqual({ kind: 'dir', annotation: 'backstage.io/source-location', dir: CATALOG_DIR });
    expect(located({ 'backstage.io/source-location': 'dir:../api/' }).location).toMatchObject({ dir: '/srv/shop/api' });
    expect(located({ 'backstage.io/source-location': 'dir:/opt/src' }).location).toMatchObject({ dir: '/opt/src' });
  });

  it('makes a clone URL of a GitHub or GitLab project slug; source-location comes first', () => {
    expect(located({ 'github.com/project-slug': 'backstage/backstage' }).location).toEqual({ kind: 'repository', annotation: 'github.com/project-slug', repository: 'https://github.com/backstage/backstage.git' });
    expect(located({ 'gitlab.com/project-slug': 'acme/platform/shop' }).location).toMatchObject({ repository: 'https://gitlab.com/acme/platform/shop.git' });
    expect(located({ 'github.com/project-slug': 'acme/web', 'backstage.io/source-location': 'dir:.' }).location).toMatchObject({ kind: 'dir' });
  });

  it('refuses what names no source, at its annotation; no annotation is no source', () => {
    expect(located({}).location).toBeUndefined();
    expect(located({ 'backstage.io/source-location': 'https://github.com/acme/web' }).problems).toEqual([
      'metadata.annotations.backstage.io/source-location: expected url:<repository URL> or dir:<path>, got "https://github.com/acme/web"',
    ]);
    expect(located({ 'backstage.io/source-location': 'url:mailto:me@example.com' }).problems).toEqual([
      'metadata.annotations.backstage.io/source-location: expected an http(s), ssh or git URL after "url:", got "mailto:me@example.com"',
    ]);
    expect(located({ 'github.com/project-slug': 'acme/shop/web' }).problems).toEqual(['metadata.annotations.github.com/project-slug: expected <owner>/<repository>, got "acme/shop/web"']);
  });
});

describe('repositoryOfUrl', () => {
  it('gives undefined for what git cannot clone', () => {
    expect(repositoryOfUrl('not a url')).toBeUndefined();
    expect(repositoryOfUrl('https://github.com/')).toBeUndefined();
  });
});
