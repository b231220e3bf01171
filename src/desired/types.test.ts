import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUnitKeys, sortUnits, unitSortKey } from './types.js';

const name = fc.string({ unit: fc.constantFrom('a', 'b', '-', '\0', '\x01', '\x02', 'é'), maxLength: 4 });
const key = fc.record({ service: name, environment: name, target: name });

describe('unitSortKey', () => {
  it('orders as compareUnitKeys does and is equal only for equal keys, whatever the names contain', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        const byKey = Math.sign(unitSortKey(a) < unitSortKey(b) ? -1 : unitSortKey(a) > unitSortKey(b) ? 1 : 0);
        expect(byKey).toBe(Math.sign(compareUnitKeys(a, b)));
      }),
    );
  });
});

describe('sortUnits', () => {
  it('sorts by compareUnitKeys and finds a repeated key', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 30 }), (keys) => {
        const { sorted, duplicate } = sortUnits(keys);
        expect(sorted).toEqual([...keys].sort(compareUnitKeys));
        const distinct = new Set(keys.map((k) => JSON.stringify([k.service, k.environment, k.target]))).size;
        expect(duplicate !== undefined).toBe(distinct < keys.length);
      }),
    );
  });
});
