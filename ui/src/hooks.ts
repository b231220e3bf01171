/** Small React hooks over the API: reads that refresh when the audit log moves, and the hash route. */
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { isAbort, lines, read, type ApiError } from './api.js';
import type { Event } from './types.js';

/** The audit log as this page has seen it: `revision` changes with every new event. */
export interface Live {
  readonly revision: number;
  readonly latest: readonly Event[];
  readonly connected: boolean;
}

export const LiveContext = createContext<Live>({ revision: 0, latest: [], connected: false });

/** Follows the event stream (reconnecting after a second when it drops); for the app's root. */
export function useEventFeed(enabled: boolean): Live {
  const [live, setLive] = useState<Live>({ revision: 0, latest: [], connected: false });
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    void (async () => {
      let after: number | undefined;
      while (!abort.signal.aborted) {
        try {
          const query = after === undefined ? '' : `?afterSeq=${after}`;
          setLive((l) => ({ ...l, connected: true }));
          for await (const event of lines<Event>(`/api/v1/events/stream${query}`, { signal: abort.signal })) {
            after = event.seq;
            setLive((l) => ({ revision: l.revision + 1, latest: [event, ...l.latest].slice(0, 200), connected: true }));
          }
        } catch (error) {
          if (isAbort(error)) return;
        }
        setLive((l) => ({ ...l, connected: false }));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    return () => abort.abort();
  }, [enabled]);
  return live;
}

export function useLive(): Live {
  return useContext(LiveContext);
}

export interface Loaded<T> {
  readonly data?: T;
  readonly error?: ApiError | Error;
}

/**
 * GETs `path` now, again whenever a new event arrives, and every `everyMs` (for what no event
 * tells, like health). `null` reads nothing. Keeps the last answer while a new one loads. Reads
 * never overlap: what asks for one while one is under way gets one more read after it, so a
 * stream of events faster than a read still shows answers (aborting the read under way on each
 * event would show none).
 */
export function useRead<T>(path: string | null, everyMs = 0): Loaded<T> {
  const { revision } = useLive();
  const [state, setState] = useState<Loaded<T> & { path?: string | null }>({});
  const refresh = useRef(() => {});
  const seenRevision = useRef(revision);
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    let loading = false;
    let again = false;
    const load = () => {
      if (loading) {
        again = true;
        return;
      }
      loading = true;
      read<T>(path, abort.signal)
        .then(
          (data) => setState({ data, path }),
          (error: unknown) => !isAbort(error) && setState((s) => ({ data: s.path === path ? s.data : undefined, error: error as Error, path })),
        )
        .finally(() => {
          loading = false;
          if (again && !abort.signal.aborted) {
            again = false;
            load();
          }
        });
    };
    refresh.current = load;
    load();
    const timer = everyMs ? setInterval(load, everyMs) : undefined;
    return () => {
      abort.abort();
      clearInterval(timer);
      refresh.current = () => {};
    };
  }, [path, everyMs]);
  useEffect(() => {
    if (seenRevision.current === revision) return;
    seenRevision.current = revision;
    refresh.current();
  }, [revision]);
  return state.path === path ? state : {};
}

/** The route: the part of the address after `#`, split into segments. */
export function useRoute(): string[] {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}
