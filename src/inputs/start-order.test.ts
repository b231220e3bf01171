import { describe, expect, it } from 'vitest';
import { awaited, firstKeptRunning, isStep, orderProblems, startOrder, type OrderedContainer, type Readiness } from './start-order.js';

/** Containers from `name: before-key=ready,…` lines, in the given order. */
function containers(...lines: string[]): OrderedContainer[] {
  return lines.map((line) => {
    const [name, list] = line.split(':').map((part) => part.trim());
    const entries = (list ?? '').split(',').filter(Boolean).map((entry) => entry.split('=') as [string, Readiness]);
    return { name: name!, ...(entries.length > 0 && { before: Object.fromEntries(entries.map(([key, ready]) => [key, { ready }])) }) };
  });
}

describe('orderProblems', () => {
  it('accepts containers that can be ordered', () => {
    expect(orderProblems(containers('migrate: app=complete', 'proxy: app=started', 'app'))).toEqual([]);
  });

  it('refuses an entry naming an unknown container, with a guess, and one naming its own container', () => {
    expect(orderProblems(containers('migrate: ap=complete', 'app: app=started'))).toEqual([
      { container: 'migrate', key: 'ap', message: 'unknown container "ap", did you mean "app"?' },
      { container: 'app', key: 'app', message: 'a container cannot start before itself; name another container of this workload' },
    ]);
  });

  it('refuses each cycle once, on the entry that closes it, in start order', () => {
    expect(orderProblems(containers('a: b=started', 'b: c=complete', 'c: a=healthy', 'd: e=started', 'e: d=started'))).toEqual([
      { container: 'c', key: 'a', message: 'start order cycle: a → b → c → a (each must start before the next)' },
      { container: 'e', key: 'd', message: 'start order cycle: d → e → d (each must start before the next)' },
    ]);
  });

  it('lists no unnamed container among the candidates, and none can be named', () => {
    expect(orderProblems([{ name: '', before: { cache: { ready: 'started' } } }, { name: 'db' }])).toEqual([{ container: '', key: 'cache', message: 'unknown container "cache" (expected one of: db)' }]);
  });
});

describe('awaited and isStep', () => {
  it('keeps the most any container awaits of each: complete over healthy over started', () => {
    const given = containers('a: b=started,c=complete', 'b: c=healthy', 'c', 'd: c=started');
    expect(Object.fromEntries(awaited(given))).toEqual({ a: 'complete', b: 'healthy', d: 'started' });
    expect(['a', 'b', 'c', 'd'].filter((name) => isStep(given, name))).toEqual(['a']);
  });
});

describe('startOrder', () => {
  it('starts each container after those before it, ties in the given order', () => {
    expect(startOrder(containers('app', 'migrate: app=complete', 'proxy: app=started'))).toEqual(['migrate', 'proxy', 'app']);
    expect(startOrder(containers('a', 'b', 'c'))).toEqual(['a', 'b', 'c']);
    expect(startOrder(containers('c: a=started', 'b: a=started', 'a'))).toEqual(['c', 'b', 'a']);
  });

  it('starts the lead as early as it can: before it, only what it waits for', () => {
    // Plain order would start `other` before `web`, which waits only for `migrate`.
    const given = containers('web', 'other', 'migrate: web=complete');
    expect(startOrder(given)).toEqual(['other', 'migrate', 'web']);
    expect(startOrder(given, 'web')).toEqual(['migrate', 'web', 'other']);
    expect(startOrder(containers('web', 'seed: x=complete', 'x: web=complete', 'late'), 'web')).toEqual(['seed', 'x', 'web', 'late']);
  });

  it('ignores entries naming no container, and has no order for a cycle', () => {
    expect(startOrder(containers('a: nowhere=started,a=started', 'b'))).toEqual(['a', 'b']);
    expect(startOrder(containers('a: b=started', 'b: a=started'))).toBeUndefined();
  });
});

describe('firstKeptRunning', () => {
  it('is the first container that is no step, in start order', () => {
    expect(firstKeptRunning(containers('migrate: app=complete', 'proxy: app=started', 'app'))).toBe('proxy');
    expect(firstKeptRunning(containers('migrate: app=complete', 'app'))).toBe('app');
    expect(firstKeptRunning(containers('app', 'sidecar: app=started'))).toBe('sidecar');
    expect(firstKeptRunning(containers('only'))).toBe('only');
    expect(firstKeptRunning(containers('a: b=started', 'b: a=started'))).toBeUndefined();
  });
});
