import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { merge, type Contribution, type Origin, type Precedence } from './merge.js';

const at = (file: string, precedence: Precedence) => (path: readonly string[]): Origin => ({
  kind: 'file',
  file,
  line: path.length,
  column: 1,
  owner: file.split('/')[0]!,
  precedence,
});

const contribution = (file: string, precedence: Precedence, data: unknown): Contribution => ({ precedence, data, origin: at(file, precedence) });

describe('merge', () => {
  it('lets the more specific precedence win, field by field, and maps merge key by key', () => {
    const merged = merge([
      contribution('service.yaml', 'service', { replicas: 2, workload: { env: { A: 'service' } } }),
      contribution('platform/defaults.yaml', 'layer-default', { replicas: 1, workload: { env: { A: 'platform', B: 'platform' } } }),
      contribution('service.yaml', 'service-environment', { workload: { env: { B: 'override' } } }),
      contribution('platform/prod.yaml', 'layer-environment-default', { replicas: 3, workload: { env: { C: 'prod' } } }),
    ]);
    expect(merged.value).toEqual({ replicas: 2, workload: { env: { A: 'service', B: 'override', C: 'prod' } } });
    expect(merged.conflicts).toEqual([]);
    const owner = (path: string) => {
      const origin = merged.origins.get(path)!;
      return origin.kind === 'file' ? `${origin.file} ${origin.precedence}` : origin.kind;
    };
    expect(owner('replicas')).toBe('service.yaml service');
    expect(owner('workload.env.A')).toBe('service.yaml service');
    expect(owner('workload.env.B')).toBe('service.yaml service-environment');
    expect(owner('workload.env.C')).toBe('platform/prod.yaml layer-environment-default');
  });

  it('replaces lists whole instead of merging them', () => {
    const merged = merge([contribution('a.yaml', 'layer-default', { args: ['a', 'b'] }), contribution('s.yaml', 'service', { args: ['c'] })]);
    expect(merged.value).toEqual({ args: ['c'] });
  });

  it('reports two layers of the same precedence that disagree, naming both', () => {
    const merged = merge([
      contribution('platform/defaults.yaml', 'layer-default', { workload: { env: { LOG_LEVEL: 'info' } } }),
      contribution('security/policy.yaml', 'layer-default', { workload: { env: { LOG_LEVEL: 'debug' } } }),
    ]);
    expect(merged.conflicts).toHaveLength(1);
    expect(merged.conflicts[0]!.path).toBe('workload.env.LOG_LEVEL');
    expect(merged.conflicts[0]!.candidates.map((c) => c.value)).toEqual(['info', 'debug']);
  });

  it('accepts the same value from two layers, crediting the same file whatever their order', () => {
    const a = contribution('a.yaml', 'layer-default', { replicas: 2 });
    const b = contribution('b.yaml', 'layer-default', { replicas: 2 });
    for (const order of [[a, b], [b, a]]) {
      const merged = merge(order);
      expect(merged.conflicts).toEqual([]);
      expect(merged.origins.get('replicas')).toMatchObject({ file: 'a.yaml' });
    }
  });

  it('is deterministic and independent of the order of its inputs (property)', () => {
    const precedence = fc.constantFrom<Precedence>('layer-default', 'layer-environment-default', 'service', 'service-environment');
    const data = fc.record({ replicas: fc.option(fc.nat(5), { nil: undefined }), workload: fc.record({ env: fc.dictionary(fc.constantFrom('A', 'B', 'C'), fc.constantFrom('x', 'y')) }) });
    const contributions = fc.array(fc.tuple(fc.constantFrom('a.yaml', 'b.yaml', 'c.yaml'), precedence, data), { maxLength: 6 });
    fc.assert(
      fc.property(contributions, fc.func(fc.integer()), (items, rank) => {
        const list = items.map(([file, p, d]) => contribution(file, p, d));
        const shuffled = [...list].sort((x, y) => rank(x) - rank(y));
        const normalise = (m: ReturnType<typeof merge>) => JSON.stringify([m.value, [...m.origins], m.conflicts.map((c) => [c.path, c.candidates.length])]);
        expect(normalise(merge(shuffled))).toBe(normalise(merge(list)));
      }),
    );
  });
});
