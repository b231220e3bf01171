/** One deployment: its steps advancing as they run, and the service's logs streaming beside them. */
import { ServiceLogs } from '../components/LogView.js';
import { href, useRead } from '../hooks.js';
import type { Deployment } from '../types.js';

export function DeploymentPage({ id }: { id: string }) {
  const deployment = useRead<Deployment>(`/api/v1/deployments/${encodeURIComponent(id)}`, 1000);
  if (deployment.error) return <p className="error">{deployment.error.message}</p>;
  if (!deployment.data) return <p className="loading">Loading…</p>;
  const d = deployment.data;
  return (
    <>
      <h1>
        Deployment of <a href={href('services', d.service)}>{d.service}</a> into {d.environment}
      </h1>
      <p>
        <span className={`status ${d.status}`} data-testid="deployment-status">
          {d.status}
        </span>{' '}
        {d.message} · started by {d.createdBy} at <time dateTime={d.createdAt}>{new Date(d.createdAt).toLocaleString()}</time>
        {d.finishedAt && `, finished after ${seconds(d.createdAt, d.finishedAt)}`}
      </p>
      <h2>Steps</h2>
      <ol className="steps" data-testid="steps">
        {d.steps.map((step) => (
          <li key={step.index} className={`step ${step.status}`}>
            <span className={`status ${step.status}`}>{step.status}</span> <strong>{step.kind}</strong> on {step.target}: {step.message}
            {step.finishedAt && <small> ({seconds(step.startedAt, step.finishedAt)})</small>}
          </li>
        ))}
        {d.steps.length === 0 && <li className="hint">No steps yet.</li>}
      </ol>
      <ServiceLogs service={d.service} environment={d.environment} />
    </>
  );
}

function seconds(from: string, to: string): string {
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}
