/** For tests: a `fetch` that answers Prometheus instant queries from a script, and records them. */

/** One scripted answer: a value (a one-series vector), `null` (an empty vector), or an error to throw. */
export type ScriptedAnswer = number | null | Error | { status: number; body: unknown };

/** A fake fetch answering successive queries from `answers` (the last repeats), with the queries it received. */
export function fakePrometheus(answers: readonly ScriptedAnswer[]): { fetch: typeof fetch; queries: string[] } {
  const queries: string[] = [];
  const fake = async (input: string | URL | Request): Promise<Response> => {
    queries.push(new URL(String(input)).searchParams.get('query') ?? '');
    const answer = answers[Math.min(queries.length, answers.length) - 1];
    if (answer instanceof Error) throw answer;
    if (answer && typeof answer === 'object') return Response.json(answer.body, { status: answer.status });
    const result = answer === null || answer === undefined ? [] : [{ metric: {}, value: [0, formatSample(answer)] }];
    return Response.json({ status: 'success', data: { resultType: 'vector', result } });
  };
  return { fetch: fake as typeof fetch, queries };
}

function formatSample(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** A network failure as fetch reports it: a TypeError whose cause carries the socket error code. */
export function connectionRefused(): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
}
