/**
 * Resource quantities as Kubernetes and Score write them, in comparable numbers: memory in bytes
 * (`512Mi`, `1.5Gi`, `0.5G`, `1Pi`, `2E`, `1e3`, `1048576`), CPU in cores (`500m`, `0.5`, `2`).
 * The grammar is Kubernetes' (a decimal number, then a binary suffix `Ki`…`Ei`, a decimal suffix
 * `m`, `k`, `M`…`E`, or an exponent `e3`), with `K` also read as 10³ because Score writes it so.
 * Pure, and imports nothing: the input schemas use it to check what they accept.
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = { m: -3, '': 0, k: 3, K: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Exponents beyond this are no resource anyone has; refusing them keeps the arithmetic small. */
const MAX_EXPONENT = 30;

/** A non-negative quantity: `1.5Gi`, `.5`, `500m`, `1e3`, `2E` (exa; `2E3` is an exponent). */
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[mkKMGTPE])?$/;

/** The text of a memory size: a quantity without `m` or a negative exponent. `memoryProblem` also bounds its size. */
export const MEMORY_PATTERN = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE]\+?\d+|[kKMGTPE])?$/;

/** The text of a CPU quantity: cores, millicores (`m`) or an exponent. `cpuProblem` also bounds its size. */
export const CPU_PATTERN = /^(\d+(?:\.\d*)?|\.\d+)(m|[eE][+-]?\d+)?$/;

/** A quantity as an exact fraction, so `1.1K` is 1100 and not 1100.0000000000002. */
interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

function parseQuantity(text: string): Fraction | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number = '', suffix = ''] = match;
  const [whole = '', decimals = ''] = number.split('.');
  const digits = BigInt(`${whole}${decimals}` || '0');
  let exponent = -decimals.length;
  let binary = 0;
  if (suffix in BINARY) binary = BINARY[suffix]!;
  else if (suffix in DECIMAL) exponent += DECIMAL[suffix]!;
  else exponent += Number(suffix.slice(1));
  if (Math.abs(exponent) > MAX_EXPONENT + decimals.length) return undefined;
  const scale = 10n ** BigInt(Math.abs(exponent));
  const numerator = digits * 2n ** BigInt(binary) * (exponent > 0 ? scale : 1n);
  const denominator = exponent < 0 ? scale : 1n;
  return Number.isFinite(Number(numerator) / Number(denominator)) ? { numerator, denominator } : undefined;
}

/**
 * Why `text` is no memory size, or undefined when it is one. A memory size is a quantity of
 * bytes; `m` (thousandths) is refused as the slip it always is for `M`.
 */
export function memoryProblem(text: string): string | undefined {
  if (/^[0-9.]+m$/.test(text)) return `"m" means thousandths of a byte; write ${text.slice(0, -1)}M for megabytes or ${text.slice(0, -1)}Mi for mebibytes`;
  if (/[eE]-/.test(text) && QUANTITY.test(text)) return 'a negative exponent makes fractions of a byte';
  if (!MEMORY_PATTERN.test(text) || !parseQuantity(text)) return 'expected a memory size such as 512Mi, 1.5Gi, 0.5G or 1e9 (bytes, with an optional unit: K, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei)';
  return undefined;
}

/** Why `text` is no CPU quantity, or undefined when it is one: cores (`2`, `0.5`) or millicores (`500m`). */
export function cpuProblem(text: string): string | undefined {
  if (!CPU_PATTERN.test(text) || !parseQuantity(text)) return 'expected CPU cores such as 2 or 0.5, or millicores such as 500m';
  return undefined;
}

/**
 * `512Mi`, `1.5Gi`, `1G`, `1e3`, `1048576` (or a number of bytes) → bytes, a fraction of a byte
 * rounded up as Kubernetes does. Throws `TypeError` on what `memoryProblem` refuses (the input
 * schemas have checked it).
 */
export function memoryBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const problem = memoryProblem(value);
  const quantity = parseQuantity(value);
  if (problem || !quantity) throw new TypeError(`not a memory size: ${value}`);
  const { numerator, denominator } = quantity;
  return Number((numerator + denominator - 1n) / denominator);
}

/** `500m`, `0.5`, `2`, `1e-1` (or a number of cores) → cores. Throws `TypeError` on what `cpuProblem` refuses. */
export function cpuCores(value: string | number): number {
  if (typeof value === 'number') return value;
  const quantity = cpuProblem(value) === undefined ? parseQuantity(value) : undefined;
  if (!quantity) throw new TypeError(`not a CPU quantity: ${value}`);
  return Number(quantity.numerator) / Number(quantity.denominator);
}
