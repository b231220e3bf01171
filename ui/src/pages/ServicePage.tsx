/** A service: its releases across environments, its promotions and deployments, and who set each value of its configuration. */
import { useState } from 'react';
import { BuildButton } from '../components/BuildButton.js';
import { href, useRead } from '../hooks.js';
import type { Build, Explained, ReleaseInfo, Service, ServiceHistory, Status } from '../types.js';

export function ServicePage({ service }: { service: string }) {
  const path = `/api/v1/services/${encodeURIComponent(service)}`;
  const status = useRead<Status[]>('/api/v1/status');
  const releases = useRead<ReleaseInfo[]>(`${path}/releases`);
  const history = useRead<ServiceHistory>(`${path}/history`);
  const summary = useRead<Service[]>('/api/v1/services').data?.find((s) => s.name === service);
  const builds = useRead<Build[]>(summary?.buildable ? `/api/v1/builds?service=${encodeURIComponent(service)}&limit=5` : null);
  const environments = [...new Set((status.data ?? []).filter((r) => r.service === service).map((r) => r.environment))];
  const [chosen, setChosen] = useState<string>();
  const environment = chosen ?? environments[0];
  const error = releases.error ?? history.error;
  if (error) return <p className="error">{error.message}</p>;

  return (
    <>
      <h1>{service}</h1>
      {summary?.buildable && (
        <>
          <BuildButton service={summary} />
          <h2>
            Builds <small><a href={href('builds')}>all builds</a></small>
          </h2>
          {(builds.data ?? []).length === 0 && <p className="hint">None yet.</p>}
          <ul className="deployments" data-testid="service-builds">
            {(builds.data ?? []).map((b) => (
              <li key={b.id}>
                <a href={href('builds', b.id)}>
                  <span className={`status ${b.status}`}>{b.status}</span> {b.ref} ({b.commit.slice(0, 7)})
                </a>{' '}
                {b.message}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Releases</h2>
      <div className="table-scroll">
        <table data-testid="releases">
          <thead>
            <tr>
              <th>Release</th>
              <th>Current in</th>
              <th>Cut by</th>
              <th>At</th>
            </tr>
          </thead>
          <tbody>
            {(releases.data ?? []).map((r) => (
              <tr key={r.id}>
                <td>{r.version}</td>
                <td>{r.environments.join(', ') || '—'}</td>
                <td>{r.createdBy}</td>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Promotions</h2>
      {(history.data?.promotions ?? []).length === 0 && <p className="hint">None yet.</p>}
      <ul className="promotions">
        {(history.data?.promotions ?? []).map((p) => (
          <li key={p.id}>
            <strong>{p.version}</strong> <span className={`status ${p.status}`}>{p.status}</span> by {p.createdBy}: {p.message}
            <span className="phases">
              {Object.entries(p.environments).map(([env, progress]) => (
                <span key={env} className={`phase ${progress.phase}`} title={progress.message}>
                  {env}: {progress.phase}
                </span>
              ))}
            </span>
          </li>
        ))}
      </ul>

      <h2>Deployments</h2>
      <div className="table-scroll">
        <table data-testid="deployments">
          <thead>
            <tr>
              <th>Environment</th>
              <th>Outcome</th>
              <th>By</th>
              <th>At</th>
            </tr>
          </thead>
          <tbody>
            {(history.data?.deployments ?? []).map((d) => (
              <tr key={d.id}>
                <td>{d.environment}</td>
                <td>
                  <a href={href('deployments', d.id)}>
                    <span className={`status ${d.status}`}>{d.status}</span> {d.message}
                  </a>
                </td>
                <td>{d.createdBy}</td>
                <td>{new Date(d.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Configuration</h2>
      <div className="tabs" role="tablist">
        {environments.map((env) => (
          <button key={env} role="tab" aria-selected={env === environment} onClick={() => setChosen(env)}>
            {env}
          </button>
        ))}
      </div>
      {environment && <Explanation service={service} environment={environment} />}
    </>
  );
}

function Explanation({ service, environment }: { service: string; environment: string }) {
  const explained = useRead<Explained>(`/api/v1/services/${encodeURIComponent(service)}/explain?environment=${encodeURIComponent(environment)}`);
  if (explained.error) return <p className="error">{explained.error.message}</p>;
  if (!explained.data) return <p className="loading">Loading…</p>;
  const e = explained.data;
  return (
    <div data-testid="explain">
      <p>Owner: {e.owner}</p>
      <div className="table-scroll">
        <table className="explain">
          <thead>
            <tr>
              <th>Field</th>
              <th>Value</th>
              <th>Set by</th>
            </tr>
          </thead>
          <tbody>
            {e.fields.map((f) => (
              <tr key={f.path}>
                <td>
                  <code>{f.path}</code>
                </td>
                <td>
                  <code>{JSON.stringify(f.value)}</code>
                </td>
                <td>{origin(f.origin)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(e.gates.approvals.length > 0 || e.gates.freezeWindows.length > 0) && (
        <>
          <h3>Gates</h3>
          <ul>
            {e.gates.approvals.map((a, i) => (
              <li key={`a${i}`}>
                {a.count} approval{a.count === 1 ? '' : 's'}
                {a.groups.length ? ` from ${a.groups.join(' or ')}` : ''} — {origin(a.origin)}
              </li>
            ))}
            {e.gates.freezeWindows.map((w, i) => (
              <li key={`f${i}`}>
                freeze window <code>{JSON.stringify(w.window)}</code> — {origin(w.origin)}
              </li>
            ))}
          </ul>
        </>
      )}
      {e.constraints.length > 0 && (
        <>
          <h3>Constraints</h3>
          <ul>
            {e.constraints.map((c, i) => (
              <li key={i}>
                {c.satisfied ? '✓' : '✗'} {c.name} <code>{JSON.stringify(c.rule)}</code> — {origin(c.origin)}
              </li>
            ))}
          </ul>
        </>
      )}
      {e.violations.length > 0 && (
        <ul className="error">
          {e.violations.map((v) => (
            <li key={v}>{v}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function origin(o: Explained['fields'][number]['origin']): string {
  switch (o.kind) {
    case 'file':
      return `${o.file}:${o.line}:${o.column} (${o.owner}, ${o.precedence})`;
    case 'release':
      return `release ${o.release} (${o.owner}, ${o.precedence})`;
    case 'built-in':
      return 'Slipway default';
  }
}
