/** A service's output in an environment, streamed as it is written. */
import { useEffect, useRef, useState } from 'react';
import { isAbort, lines } from '../api.js';
import type { Log } from '../types.js';

const KEEP = 1000;

export function LogView({ service, environment }: { service: string; environment: string }) {
  const [logs, setLogs] = useState<Log[]>([]);
  const [state, setState] = useState<'following' | 'ended' | string>('following');
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const abort = new AbortController();
    setLogs([]);
    const path = `/api/v1/services/${encodeURIComponent(service)}/logs?environment=${encodeURIComponent(environment)}&follow=true&tail=100`;
    void (async () => {
      try {
        for await (const line of lines<Log & { error?: { message: string } }>(path, { signal: abort.signal })) {
          if (line.error) throw new Error(line.error.message);
          setLogs((all) => [...all.slice(-(KEEP - 1)), line]);
        }
        setState('ended');
      } catch (error) {
        if (!isAbort(error)) setState((error as Error).message);
      }
    })();
    return () => abort.abort();
  }, [service, environment]);
  useEffect(() => {
    void end.current?.scrollIntoView({ block: 'nearest' }); // newer browsers return a promise: never hand it to React as a clean-up
  }, [logs]);

  return (
    <section className="logs" aria-label="logs">
      <h2>
        Logs <small>{state === 'following' ? 'following live' : state}</small>
      </h2>
      <div className="log-lines" data-testid="logs" role="log" aria-live="polite">
        {logs.length === 0 && <p className="hint">No output yet.</p>}
        {logs.map((l, i) => (
          <div key={i} className={`log ${l.stream}`}>
            <span className="instance">{l.instance}</span> {l.line}
          </div>
        ))}
        <div ref={end} />
      </div>
    </section>
  );
}
