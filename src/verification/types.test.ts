import { describe, expect, it } from 'vitest';
import { Verification } from './types.js';

const metric = { name: 'error rate', prometheus: { url: 'http://127.0.0.1:9090' }, query: 'up', failWhen: { above: 0.05 } };

function problems(input: unknown): string[] {
  const parsed = Verification.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('Verification schema', () => {
  it('fills in the documented defaults', () => {
    const spec = Verification.parse({ http: [{}], commands: [{ name: 'smoke', command: 'true' }], metrics: [metric] });
    expect(spec.http?.[0]).toEqual({ path: '/', expectStatus: 200, attempts: 3, intervalSeconds: 1, timeoutSeconds: 5 });
    expect(spec.commands?.[0]).toEqual({ name: 'smoke', command: 'true', args: [], timeoutSeconds: 60, env: {} });
    expect(spec.metrics?.[0]).toMatchObject({ windowSeconds: 60, intervalSeconds: 10, failureLimit: 0, inconclusive: 'fail' });
  });

  it('accepts a status list and a named or numbered port', () => {
    expect(problems({ http: [{ expectStatus: [200, 204], port: 'http' }, { port: 9100 }] })).toEqual([]);
  });

  it('reports every mistake with its path', () => {
    expect(
      problems({
        http: [{ path: 'healthz', expectStatus: 99, colour: 'red' }],
        metrics: [{ ...metric, query: 'x{svc="${servce}"}', failWhen: {}, intervalSeconds: 120, prometheus: { url: 'ftp://x' } }],
      }),
    ).toEqual([
      expect.stringMatching(/^http\.0\.path: /),
      expect.stringMatching(/^http\.0\.expectStatus: /),
      'http.0: Unrecognized key: "colour"',
      expect.stringMatching(/^metrics\.0\.prometheus\.url: /),
      'metrics.0.query: only ${service}, ${environment}, ${release} may be substituted in a query',
      'metrics.0.failWhen: give `above`, `below` or both',
      'metrics.0.intervalSeconds: intervalSeconds must not exceed windowSeconds',
    ]);
    expect(problems({ metrics: [{ ...metric, intervalSeconds: 120 }] })).toEqual(['metrics.0.intervalSeconds: intervalSeconds must not exceed windowSeconds']);
  });
});
