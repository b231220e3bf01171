/** One service in one environment: what runs, what is on its way, and the actions, each enabled or disabled with the reason. */
import { useState } from 'react';
import { href, useRead } from '../hooks.js';
import type { Choice, ServiceHistory, Status } from '../types.js';
import { ACTION_LABEL, ActionDialog } from './ActionDialog.js';
import { Health } from './Badges.js';

export function CellPanel({ row, differences }: { row: Status; differences: readonly string[] }) {
  const { service, environment } = row;
  const choices = useRead<Choice[]>(`/api/v1/services/${encodeURIComponent(service)}/actions?environment=${encodeURIComponent(environment)}`);
  const history = useRead<ServiceHistory>(`/api/v1/services/${encodeURIComponent(service)}/history`);
  const [open, setOpen] = useState<Choice>();
  const deployments = (history.data?.deployments ?? []).filter((d) => d.environment === environment).slice(0, 5);

  return (
    <section className="panel" aria-label={`${service} in ${environment}`} data-testid="cell-panel">
      <h2>
        <a href={href('services', service)}>{service}</a> in {environment}
      </h2>
      <dl className="facts">
        <dt>Release</dt>
        <dd>{row.release ?? 'never deployed'}</dd>
        <dt>Health</dt>
        <dd>
          <Health health={row.health} /> {row.replicas > 0 && `${row.ready}/${row.replicas} ready, ${row.restarts} restarts`}
        </dd>
        {row.running.length > 1 && (
          <>
            <dt>Running</dt>
            <dd>{row.running.join(', ')}</dd>
          </>
        )}
        {row.endpoints.length > 0 && (
          <>
            <dt>Endpoints</dt>
            <dd>{row.endpoints.join(' ')}</dd>
          </>
        )}
        {row.incoming && (
          <>
            <dt>Incoming</dt>
            <dd>
              {row.incoming.version}: {row.incoming.phase}. {row.incoming.message}
            </dd>
          </>
        )}
        {differences.length > 0 && (
          <>
            <dt>Drift</dt>
            <dd>{differences.join('; ')}</dd>
          </>
        )}
      </dl>

      <div className="actions">
        {choices.error && <p className="error">{choices.error.message}</p>}
        {(choices.data ?? []).map((choice) => (
          <div className="action" key={choice.action}>
            <button className={choice.blocked ? '' : 'primary'} disabled={choice.blocked !== undefined} aria-describedby={choice.blocked && `why-${choice.action}`} title={choice.blocked} onClick={() => setOpen(choice)}>
              {ACTION_LABEL[choice.action]}
            </button>
            {choice.blocked && (
              <small className="why" id={`why-${choice.action}`}>
                {choice.blocked}
              </small>
            )}
          </div>
        ))}
      </div>

      {deployments.length > 0 && (
        <>
          <h3>Recent deployments</h3>
          <ul className="deployments">
            {deployments.map((d) => (
              <li key={d.id}>
                <a href={href('deployments', d.id)}>
                  <span className={`status ${d.status}`}>{d.status}</span> {d.message}
                </a>{' '}
                <time dateTime={d.createdAt}>{new Date(d.createdAt).toLocaleString()}</time>
              </li>
            ))}
          </ul>
        </>
      )}
      {open && <ActionDialog choice={open} title={`${service} in ${environment}`} onClose={() => setOpen(undefined)} />}
    </section>
  );
}
