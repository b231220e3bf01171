/** The audit log, newest first, filtered by service, environment, type and actor, growing live. */
import { useMemo, useState } from 'react';
import { href, useRead } from '../hooks.js';
import type { Event, Status } from '../types.js';

/** The type of the audit events that record refused requests (`server/refusals.ts`). */
const REFUSAL_EVENT = 'access.denied';

export function EventsPage() {
  const [filter, setFilter] = useState({ service: '', environment: '', type: '', actor: '' });
  const [refusedOnly, setRefusedOnly] = useState(false);
  const status = useRead<Status[]>('/api/v1/status');
  const query = new URLSearchParams({
    last: '500',
    ...(filter.service && { service: filter.service }),
    ...(filter.environment && { environment: filter.environment }),
    ...(refusedOnly && { type: REFUSAL_EVENT }),
  });
  const events = useRead<Event[]>(`/api/v1/events?${query.toString()}`);
  const services = [...new Set((status.data ?? []).map((r) => r.service))];
  const environments = [...new Set((status.data ?? []).map((r) => r.environment))];
  const shown = useMemo(
    () =>
      [...(events.data ?? [])]
        .reverse()
        .filter((e) => e.type.includes(filter.type.trim()) && e.actor.toLowerCase().includes(filter.actor.trim().toLowerCase())),
    [events.data, filter.type, filter.actor],
  );
  const set = (key: keyof typeof filter) => (e: { target: { value: string } }) => setFilter((f) => ({ ...f, [key]: e.target.value }));

  return (
    <>
      <h1>Events</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <OneOf label="Service" value={filter.service} options={services} onChange={set('service')} />
        <OneOf label="Environment" value={filter.environment} options={environments} onChange={set('environment')} />
        <label>
          Type
          <input value={filter.type} onChange={set('type')} placeholder="deployment." />
        </label>
        <label>
          Actor
          <input value={filter.actor} onChange={set('actor')} />
        </label>
        <label className="check">
          <input type="checkbox" checked={refusedOnly} onChange={(e) => setRefusedOnly(e.target.checked)} />
          Refused requests only
        </label>
      </form>
      {events.error && <p className="error">{events.error.message}</p>}
      <div className="table-scroll">
        <table className="events" data-testid="events">
          <thead>
            <tr>
              <th>When</th>
              <th>Type</th>
              <th>Actor</th>
              <th>Where</th>
              <th>What</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.seq}>
                <td>
                  <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
                </td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.actor}</td>
                <td>{[e.service, e.environment].filter(Boolean).join(' in ')}</td>
                <td>
                  <EventMessage event={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {events.data && shown.length === 0 && <p className="hint">No events match.</p>}
    </>
  );
}

/** An event's message, linking to the deployment or build it tells of. */
function EventMessage({ event }: { event: Event }) {
  const { deployment, build } = event.data;
  if (typeof deployment === 'string') return <a href={href('deployments', deployment)}>{event.message}</a>;
  if (typeof build === 'string') return <a href={href('builds', build)}>{event.message}</a>;
  return <>{event.message}</>;
}

/** A filter that is one of `options`, or all of them. */
function OneOf({ label, value, options, onChange }: { label: string; value: string; options: readonly string[]; onChange: (e: { target: { value: string } }) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={onChange}>
        <option value="">all</option>
        {options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </label>
  );
}
