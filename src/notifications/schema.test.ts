import { describe, expect, it } from 'vitest';
import { NotificationHook, Notifications } from './schema.js';

const hook = { name: 'ops', url: 'https://hooks.example.com/slipway', events: ['deployment.failed'] };

describe('NotificationHook', () => {
  it('accepts a minimal hook and defaults to the JSON format', () => {
    expect(NotificationHook.parse(hook)).toEqual({ ...hook, format: 'json' });
  });

  it.each([
    ['an unknown event type', { ...hook, events: ['deployment.exploded'] }, 'events.0'],
    ['no events', { ...hook, events: [] }, 'events'],
    ['a URL that is not http(s)', { ...hook, url: 'ftp://example.com/x' }, 'url'],
    ['an unknown format', { ...hook, format: 'teams' }, 'format'],
    ['an unknown key', { ...hook, retries: 3 }, ''],
    ['an empty secret', { ...hook, secret: '' }, 'secret'],
  ])('rejects %s', (_label, input, path) => {
    const result = NotificationHook.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });
});

describe('Notifications', () => {
  it('rejects two hooks with one name', () => {
    const result = Notifications.safeParse([hook, { ...hook, events: ['*'] }]);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['1.name', 'a second hook named "ops"']]);
  });
});
