/** Builds: the running, the queued and the ended, kept current by the event feed; and one build with its log as it is written. */
import { useEffect, useState } from 'react';
import { act, isAbort, read } from '../api.js';
import { LogView } from '../components/LogView.js';
import { href, useRead } from '../hooks.js';
import type { Build, BuildLogPage, ReleaseInfo } from '../types.js';

/** How long to wait before asking for more of the log of a build that has not ended. */
const LOG_POLL_MS = 1000;

/** True while a build may still change: more log lines may come, and it may be cancelled. */
function underway(status: Build['status']): boolean {
  return status === 'queued' || status === 'running';
}

export function BuildsPage() {
  const builds = useRead<Build[]>('/api/v1/builds?limit=200');
  if (builds.error) return <p className="error">{builds.error.message}</p>;
  if (!builds.data) return <p className="loading">Loading…</p>;
  const all = builds.data;
  const running = all.filter((b) => b.status === 'running');
  const queued = all.filter((b) => b.status === 'queued').reverse(); // oldest first: the order they start in
  const ended = all.filter((b) => !underway(b.status));
  return (
    <>
      <h1>Builds</h1>
      <BuildTable title="Running" builds={running} none="Nothing is building." testId="builds-running" />
      <BuildTable title="Queued" builds={queued} none="Nothing waits to be built." testId="builds-queued" />
      <BuildTable title="Ended" builds={ended} none="No build has ended yet." testId="builds-ended" />
    </>
  );
}

function BuildTable({ title, builds, none, testId }: { title: string; builds: readonly Build[]; none: string; testId: string }) {
  return (
    <>
      <h2>{title}</h2>
      {builds.length === 0 ? (
        <p className="hint">{none}</p>
      ) : (
        <div className="table-scroll">
          <table className="builds" data-testid={testId}>
            <thead>
              <tr>
                <th>Service</th>
                <th>Ref</th>
                <th>Commit</th>
                <th>Trigger</th>
                <th>By</th>
                <th>Status</th>
                <th>Message</th>
                <th>Started</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {builds.map((b) => (
                <tr key={b.id}>
                  <td>
                    <a href={href('services', b.service)}>{b.service}</a>
                  </td>
                  <td>
                    <a href={href('builds', b.id)}>{b.ref}</a>
                  </td>
                  <td>
                    <code title={b.commit}>{b.commit.slice(0, 7)}</code>
                  </td>
                  <td>{b.trigger}</td>
                  <td>{b.actor}</td>
                  <td>
                    <span className={`status ${b.status}`}>{b.status}</span>
                  </td>
                  <td className="message">{b.message}</td>
                  <td>
                    <When at={b.startedAt} />
                  </td>
                  <td>
                    <When at={b.finishedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function When({ at }: { at: string | null }) {
  return at ? <time dateTime={at}>{new Date(at).toLocaleString()}</time> : <>—</>;
}

/** One build: what it builds, how it ended (its image or artifact, and the release it became), its log, and Cancel while it may. */
export function BuildPage({ id }: { id: string }) {
  const build = useRead<Build>(`/api/v1/builds/${encodeURIComponent(id)}`);
  const log = useBuildLog(id);
  const [cancel, setCancel] = useState<{ busy?: boolean; error?: string }>({});
  if (build.error) return <p className="error">{build.error.message}</p>;
  if (!build.data) return <p className="loading">Loading…</p>;
  const b = build.data;
  // The log's answer may be newer than the build's: a build is as far along as the later of the two says.
  const status = log.status && !underway(log.status) ? log.status : b.status;
  const doCancel = async () => {
    setCancel({ busy: true });
    try {
      await act<Build>(`/api/v1/builds/${encodeURIComponent(id)}/cancel`, {});
      setCancel({});
    } catch (error) {
      setCancel({ error: (error as Error).message });
    }
  };

  return (
    <>
      <h1>
        Build of <a href={href('services', b.service)}>{b.service}</a> {b.ref}
      </h1>
      <p>
        <span className={`status ${status}`} data-testid="build-status">
          {status}
        </span>{' '}
        {b.message}
      </p>
      {underway(status) && (
        <div className="actions">
          <button className="primary danger" onClick={() => void doCancel()} disabled={cancel.busy}>
            {cancel.busy ? 'Cancelling…' : 'Cancel build'}
          </button>
        </div>
      )}
      {cancel.error && (
        <p className="error" role="alert">
          {cancel.error}
        </p>
      )}
      <dl className="facts" data-testid="build-facts">
        <dt>Commit</dt>
        <dd>
          <code>{b.commit}</code>
        </dd>
        <dt>Trigger</dt>
        <dd>
          {b.trigger}, by {b.actor}
        </dd>
        <dt>Queued</dt>
        <dd>
          <When at={b.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <When at={b.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <When at={b.finishedAt} />
        </dd>
        {b.image && (
          <>
            <dt>Image</dt>
            <dd>
              <code>{b.image}</code>
            </dd>
          </>
        )}
        {b.artifactDigest && (
          <>
            <dt>Artifact</dt>
            <dd>
              <code>{b.artifactDigest}</code>
            </dd>
          </>
        )}
        {b.releaseId && (
          <>
            <dt>Release</dt>
            <dd>
              <ReleaseLink service={b.service} id={b.releaseId} />
            </dd>
          </>
        )}
      </dl>
      <LogView title="Log" state={log.error ?? (underway(status) ? 'following live' : 'ended')} entries={log.lines} />
    </>
  );
}

/** The version of the release a build became, linking to its service. */
function ReleaseLink({ service, id }: { service: string; id: string }) {
  const releases = useRead<ReleaseInfo[]>(`/api/v1/services/${encodeURIComponent(service)}/releases`);
  const release = releases.data?.find((r) => r.id === id);
  return <a href={href('services', service)}>{release ? `${release.version}${release.environments.length ? ` (in ${release.environments.join(', ')})` : ''}` : id}</a>;
}

/** A build's log: read from the start, then what follows every second while the build is queued or running. */
function useBuildLog(id: string): { lines: readonly { line: string }[]; status?: Build['status']; error?: string } {
  const [log, setLog] = useState<{ lines: { line: string }[]; status?: Build['status']; error?: string }>({ lines: [] });
  useEffect(() => {
    const abort = new AbortController();
    setLog({ lines: [] });
    void (async () => {
      let after = 0;
      try {
        for (;;) {
          const page = await read<BuildLogPage>(`/api/v1/builds/${encodeURIComponent(id)}/log?after=${after}`, abort.signal);
          after = page.next;
          setLog((l) => ({ lines: [...l.lines, ...page.lines.map((line) => ({ line }))], status: page.status }));
          if (!underway(page.status)) return;
          await new Promise((resolve) => setTimeout(resolve, LOG_POLL_MS));
        }
      } catch (error) {
        if (!isAbort(error)) setLog((l) => ({ ...l, error: (error as Error).message }));
      }
    })();
    return () => abort.abort();
  }, [id]);
  return log;
}
