import { describe, expect, it } from 'vitest';
import { envIsTemplate, resolveResourcePlaceholders } from './placeholders.js';

const outputs = { db: { host: 'h', port: '5432', url: 'postgresql://u:pw@h:5432/d' }, web: { url: 'http://127.0.0.1:8080' } };

describe('resolveResourcePlaceholders', () => {
  it('fills ${resources.<name>.<output>} anywhere in a value and undoes $$ escapes', () => {
    expect(
      resolveResourcePlaceholders({ DATABASE_URL: '${resources.db.url}?sslmode=disable', ADDR: '${resources.db.host}:${resources.db.port}', PRICE: '$$5 and $${x}', PLAIN: 'x' }, outputs),
    ).toEqual({ DATABASE_URL: 'postgresql://u:pw@h:5432/d?sslmode=disable', ADDR: 'h:5432', PRICE: '$5 and ${x}', PLAIN: 'x' });
  });

  it('every unknown resource or output is one error naming the env var and what exists, never a value', () => {
    let message = '';
    try {
      resolveResourcePlaceholders({ A: '${resources.db.hots}', B: '${resources.cache.url}', C: '${metadata.name}', OK: '${resources.web.url}' }, outputs);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'env var A: cannot resolve ${resources.db.hots} (resource db has outputs host, port, url)',
      'env var B: cannot resolve ${resources.cache.url} (resources with outputs: db, web)',
      'env var C: cannot resolve ${metadata.name}',
    ]);
    expect(message).not.toContain('pw');
  });
});

describe('envIsTemplate', () => {
  it('is true when a value uses a resource output or a $$ escape, so a Score variable $${x} reaches the workload as ${x} even with no resource', () => {
    expect(envIsTemplate({ PRICE: '$${amount} EUR', PLAIN: 'x' })).toBe(true);
    expect(envIsTemplate({ DB: '${resources.db.url}' })).toBe(true);
    expect(envIsTemplate({ HOME_DIR: '$HOME', PLAIN: 'x', REF: 'secret:a' })).toBe(false);
    expect(resolveResourcePlaceholders({ PRICE: '$${amount} EUR' }, {})).toEqual({ PRICE: '${amount} EUR' });
  });
});
