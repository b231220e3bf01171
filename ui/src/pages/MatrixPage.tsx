/**
 * The front page: services × environments. Each cell shows the release, its health, a drift
 * marker and a badge for a release on its way in; choosing a cell shows what can be done there.
 */
import { useState } from 'react';
import { DriftMark, Health, Incoming } from '../components/Badges.js';
import { CellPanel } from '../components/CellPanel.js';
import { href, useRead } from '../hooks.js';
import type { DriftItem, Status } from '../types.js';

export function MatrixPage() {
  const status = useRead<Status[]>('/api/v1/status', 5000);
  const drift = useRead<DriftItem[]>('/api/v1/drift', 5000);
  const [selected, setSelected] = useState<{ service: string; environment: string }>();
  if (status.error) return <p className="error">{status.error.message}</p>;
  if (!status.data) return <p className="loading">Loading…</p>;

  const rows = status.data;
  const services = [...new Set(rows.map((r) => r.service))];
  const environments = [...new Set(rows.map((r) => r.environment))];
  const cell = (service: string, environment: string) => rows.find((r) => r.service === service && r.environment === environment);
  const differences = (service: string, environment: string) => (drift.data ?? []).filter((d) => d.service === service && d.environment === environment).map((d) => `${d.target}: ${d.difference}`);
  const chosen = selected && cell(selected.service, selected.environment);

  return (
    <>
      <h1>Environments</h1>
      <div className="matrix-scroll">
        <table className="matrix">
          <thead>
            <tr>
              <th scope="col">Service</th>
              {environments.map((environment) => (
                <th scope="col" key={environment}>
                  {environment}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {services.map((service) => (
              <tr key={service}>
                <th scope="row">
                  <a href={href('services', service)}>{service}</a>
                </th>
                {environments.map((environment) => {
                  const row = cell(service, environment)!;
                  const isSelected = selected?.service === service && selected.environment === environment;
                  return (
                    <td key={environment}>
                      <button className={`cell ${isSelected ? 'selected' : ''}`} data-testid={`cell-${service}-${environment}`} aria-pressed={isSelected} onClick={() => setSelected(isSelected ? undefined : { service, environment })}>
                        <span className="release" data-testid="release">
                          {row.release ?? '—'}
                        </span>
                        <Health health={row.health} />
                        {row.replicas > 0 && (
                          <span className="ready">
                            {row.ready}/{row.replicas} ready
                          </span>
                        )}
                        <span className="badges">
                          {row.incoming && <Incoming incoming={row.incoming} />}
                          <DriftMark differences={differences(service, environment)} />
                        </span>
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {chosen && <CellPanel row={chosen} differences={differences(chosen.service, chosen.environment)} />}
    </>
  );
}
