/** Output in a dark box that keeps its newest line in view: a service's, streamed as it is written, or a build's. */
import { useEffect, useRef, useState } from 'react';
import { isAbort, lines } from '../api.js';
import type { Log } from '../types.js';

const KEEP = 1000;

/** One line of output; `instance` and `stream` when they are known. */
export interface LogEntry {
  readonly line: string;
  readonly stream?: string;
  readonly instance?: string;
}

/** Shows `entries` under `title`, with `state` (following, ended, or why it stopped) beside it. */
export function LogView({ title, state, entries }: { title: string; state: string; entries: readonly LogEntry[] }) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    void end.current?.scrollIntoView({ block: 'nearest' }); // newer browsers return a promise: never hand it to React as a clean-up
  }, [entries]);

  return (
    <section className="logs" aria-label={title.toLowerCase()}>
      <h2>
        {title} <small>{state}</small>
      </h2>
      <div className="log-lines" data-testid="logs" role="log" aria-live="polite">
        {entries.length === 0 && <p className="hint">No output yet.</p>}
        {entries.map((l, i) => (
          <div key={i} className={`log ${l.stream ?? ''}`}>
            {l.instance && <span className="instance">{l.instance} </span>}
            {l.line}
          </div>
        ))}
        <div ref={end} />
      </div>
    </section>
  );
}

/** A service's output in an environment, followed live (the last 1000 lines kept). */
export function ServiceLogs({ service, environment }: { service: string; environment: string }) {
  const [logs, setLogs] = useState<Log[]>([]);
  const [state, setState] = useState<string>('following live');
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
  return <LogView title="Logs" state={state} entries={logs} />;
}
