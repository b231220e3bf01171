/** Resource quantities as people write them, in comparable numbers. Pure. */

const memoryUnits: Readonly<Record<string, number>> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** `512Mi`, `1G`, `1048576` → bytes. Throws `TypeError` on anything else (the schema has checked it). */
export function memoryBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(value);
  if (!match) throw new TypeError(`not a memory size: ${value}`);
  return Number(match[1]) * memoryUnits[match[2] ?? '']!;
}

/** `500m`, `0.5`, `2` → cores. Throws `TypeError` on anything else. */
export function cpuCores(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(value);
  if (!match) throw new TypeError(`not a CPU quantity: ${value}`);
  return Number(match[1]) / (match[2] ? 1000 : 1);
}
