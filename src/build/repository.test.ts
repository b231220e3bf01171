import { describe, expect, it } from 'vitest';
import { repositoryPath, sameRepository } from './repository.js';

describe('repositoryPath', () => {
  it.each([
    ['https://github.com/acme/shop.git', 'acme/shop'],
    ['https://github.com/acme/shop', 'acme/shop'],
    ['https://github.com/Acme/Shop/', 'Acme/Shop'],
    ['https://token@github.com/acme/shop.git', 'acme/shop'],
    ['http://gitea.local:3000/acme/shop.git/', 'acme/shop'],
    ['git@github.com:acme/shop.git', 'acme/shop'],
    ['github.com:acme/shop', 'acme/shop'],
    ['ssh://git@gitlab.example.com/group/sub/shop.git', 'group/sub/shop'],
    ['ssh://git@gitlab.example.com:2222/group/sub/shop.git', 'group/sub/shop'],
    ['git+ssh://git@github.com/acme/shop.git', 'acme/shop'],
    ['git://example.com/acme/shop.git', 'acme/shop'],
    ['https://gitlab.example.com/group/sub/shop', 'group/sub/shop'],
    ['  https://gitlab.example.com/group/my%20shop  ', 'group/my shop'],
  ])('%s names %s', (source, path) => expect(repositoryPath(source)).toBe(path));

  it.each([
    ['/srv/git/shop.git'],
    ['./shop'],
    ['shop'],
    ['file:///srv/git/shop.git'],
    ['https://github.com/'],
    ['https://github.com'],
    ['git@github.com:'],
  ])('%s names no repository on a host', (source) => expect(repositoryPath(source)).toBeUndefined());
});

describe('sameRepository', () => {
  it.each([
    ['https://github.com/acme/shop.git', 'github', 'acme/shop', true],
    ['git@github.com:Acme/Shop.git', 'github', 'acme/shop', true],
    ['https://github.com/acme/shop/', 'github', 'ACME/SHOP', true],
    ['https://github.com/acme/shop', 'github', 'acme/shop-api', false],
    ['https://github.com/acme/shop', 'github', 'other/shop', false],
    ['ssh://git@gitlab.example.com/group/sub/shop.git', 'gitlab', 'group/sub/shop', true],
    ['https://gitlab.example.com/group/sub/shop', 'gitlab', 'Group/Sub/Shop', true],
    ['https://gitlab.example.com/group/sub/shop', 'gitlab', 'group/shop', false],
    ['https://gitlab.example.com/group/shop', 'gitlab', 'sub/group/shop', false],
    ['/srv/git/acme/shop', 'github', 'acme/shop', false],
    ['file:///srv/git/acme/shop.git', 'gitlab', 'acme/shop', false],
    ['https://github.com/acme/shop', 'github', '', false],
  ] as const)('%s and a %s push of %s: %s', (source, provider, repository, same) => {
    expect(sameRepository(source, { provider, repository })).toBe(same);
  });
});
