import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuCores, cpuProblem, memoryBytes, memoryProblem } from './quantities.js';

const Ki = 2 ** 10;
const Mi = 2 ** 20;
const Gi = 2 ** 30;

describe('memoryBytes', () => {
  it.each([
    ['1048576', 1048576],
    ['512Mi', 512 * Mi],
    ['1.5Gi', 1.5 * Gi],
    ['0.5G', 5e8],
    ['125M', 125e6],
    ['1K', 1000],
    ['1k', 1000],
    ['1.1K', 1100],
    ['1Ki', Ki],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1P', 1e15],
    ['2E', 2e18],
    ['1e3', 1000],
    ['1E3', 1000],
    ['2.5e+3', 2500],
    ['1.0000001Ki', 1025],
    ['.5Ki', 512],
    ['5.', 5],
    ['0', 0],
  ])('%s is %d bytes', (text, bytes) => {
    expect(memoryProblem(text)).toBeUndefined();
    expect(memoryBytes(text)).toBe(bytes);
  });

  it('rounds a fraction of a byte up, as Kubernetes does', () => {
    expect(memoryBytes('0.1Ki')).toBe(103);
    expect(memoryBytes('1.5')).toBe(2);
  });

  it('passes a number of bytes through', () => {
    expect(memoryBytes(4096)).toBe(4096);
  });

  it.each([
    ['500m', '"m" means thousandths of a byte; write 500M for megabytes or 500Mi for mebibytes'],
    ['1e-3', 'a negative exponent makes fractions of a byte'],
    ['', 'expected a memory size'],
    ['1 Gi', 'expected a memory size'],
    ['1GB', 'expected a memory size'],
    ['1gi', 'expected a memory size'],
    ['-1Gi', 'expected a memory size'],
    ['+1Gi', 'expected a memory size'],
    ['Gi', 'expected a memory size'],
    ['.', 'expected a memory size'],
    ['1e', 'expected a memory size'],
    ['1e99', 'expected a memory size'],
    ['9'.repeat(400), 'expected a memory size'],
  ])('refuses %j', (text, problem) => {
    expect(memoryProblem(text)).toContain(problem);
    expect(() => memoryBytes(text)).toThrow(TypeError);
  });
});

describe('cpuCores', () => {
  it.each([
    ['500m', 0.5],
    ['250m', 0.25],
    ['1m', 0.001],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1', 1],
    ['2', 2],
    ['1.5', 1.5],
    ['1e-1', 0.1],
    ['2e1', 20],
  ])('%s is %d cores', (text, cores) => {
    expect(cpuProblem(text)).toBeUndefined();
    expect(cpuCores(text)).toBeCloseTo(cores, 12);
  });

  it('passes a number of cores through', () => {
    expect(cpuCores(0.25)).toBe(0.25);
  });

  it.each(['', '1k', '1Ki', '1M', '-1', '0.5 m', 'm', '1 cpu', '1e99'])('refuses %j', (text) => {
    expect(cpuProblem(text)).toBe('expected CPU cores such as 2 or 0.5, or millicores such as 500m');
    expect(() => cpuCores(text)).toThrow(TypeError);
  });
});

describe('Score quantities', () => {
  // score-v1b1.json's patterns for resources.limits and requests.
  const SCORE_MEMORY = /^(0\.\d+|[1-9]\d{0,11}(\.\d{1,6})?)(K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
  const SCORE_CPU = /^\d{1,6}(?:m|\.\d{1,6})?$/;

  it('every memory the Score specification allows (of a sensible size) is a memory size here, in whole bytes', () => {
    fc.assert(
      fc.property(fc.stringMatching(SCORE_MEMORY), (text) => {
        expect(memoryProblem(text)).toBeUndefined();
        expect(Number.isSafeInteger(memoryBytes(text)) || memoryBytes(text) > Number.MAX_SAFE_INTEGER).toBe(true);
      }),
    );
  });

  it('every CPU the Score specification allows is a CPU quantity here', () => {
    fc.assert(
      fc.property(fc.stringMatching(SCORE_CPU), (text) => {
        expect(cpuProblem(text)).toBeUndefined();
        expect(cpuCores(text)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
