/**
 * The confirmation before an action: exactly what will happen (the plan the server computed),
 * then the action itself, with its progress and outcome or its error.
 */
import { useEffect, useRef, useState } from 'react';
import { act, isAbort, lines } from '../api.js';
import { href, useLive } from '../hooks.js';
import type { Choice } from '../types.js';

const ROUTE: Record<Choice['action'], string> = {
  deploy: '/api/v1/deployments',
  promote: '/api/v1/promotions',
  approve: '/api/v1/decisions',
  reject: '/api/v1/decisions',
  rollback: '/api/v1/rollbacks',
};

export const ACTION_LABEL: Record<Choice['action'], string> = { deploy: 'Deploy', promote: 'Promote', approve: 'Approve', reject: 'Reject', rollback: 'Rollback' };

export function ActionDialog({ choice, title, onClose }: { choice: Choice; title: string; onClose: () => void }) {
  const [state, setState] = useState<{ running?: boolean; progress: string[]; done?: string; error?: string }>({ progress: [] });
  const [comment, setComment] = useState('');
  const live = useLive();
  const [sinceSeq, setSinceSeq] = useState<number>();
  const dialog = useRef<HTMLDialogElement>(null);
  const abort = useRef(new AbortController());
  useEffect(() => {
    dialog.current?.showModal();
    const controller = abort.current;
    return () => controller.abort();
  }, []);

  const run = async () => {
    setSinceSeq(live.latest[0]?.seq ?? 0);
    setState({ running: true, progress: [] });
    try {
      const body = { ...choice.request, ...((choice.action === 'approve' || choice.action === 'reject') && comment.trim() && { comment: comment.trim() }) };
      if (choice.action === 'deploy') {
        for await (const message of lines<{ progress?: string; outcome?: { message: string } }>(ROUTE.deploy, { signal: abort.current.signal, body })) {
          if (message.progress) setState((s) => ({ ...s, progress: [...s.progress, message.progress!] }));
          if (message.outcome) setState((s) => ({ ...s, running: false, done: message.outcome!.message }));
        }
      } else {
        const answer = await act<{ message?: string; status?: string }>(ROUTE[choice.action], body);
        setState((s) => ({ ...s, running: false, done: answer.message ?? answer.status ?? 'done' }));
      }
    } catch (error) {
      if (!isAbort(error)) setState((s) => ({ ...s, running: false, error: (error as Error).message }));
    }
  };

  const label = ACTION_LABEL[choice.action];
  const deployment = sinceSeq === undefined ? undefined : startedDeployment(live.latest, sinceSeq, choice.request);
  const finished = state.done !== undefined || state.error !== undefined;
  return (
    <dialog ref={dialog} className="action-dialog" onClose={onClose} aria-labelledby="action-title">
      <h2 id="action-title">
        {label} {title}?
      </h2>
      <p>This will:</p>
      <ul className="plan" data-testid="plan">
        {choice.plan.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {(choice.action === 'approve' || choice.action === 'reject') && !finished && (
        <label className="comment">
          Comment (optional)
          <input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
        </label>
      )}
      {state.progress.length > 0 && (
        <ol className="progress" aria-live="polite">
          {state.progress.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ol>
      )}
      {deployment && (
        <p>
          <a href={href('deployments', deployment)}>Follow the deployment →</a>
        </p>
      )}
      {state.done !== undefined && (
        <p className="outcome ok" role="status">
          {state.done}
        </p>
      )}
      {state.error !== undefined && (
        <p className="outcome bad" role="alert">
          {state.error}
        </p>
      )}
      <div className="buttons">
        {!finished && (
          <button className={`primary ${choice.action === 'reject' || choice.action === 'rollback' ? 'danger' : ''}`} onClick={() => void run()} disabled={state.running}>
            {state.running ? `${label}…` : `Confirm ${label.toLowerCase()}`}
          </button>
        )}
        <button onClick={() => dialog.current?.close()} disabled={state.running}>
          {finished ? 'Close' : 'Cancel'}
        </button>
      </div>
    </dialog>
  );
}

/** The id of the deployment of the request's service and environment that started after `sinceSeq`, as the event feed told it. */
function startedDeployment(events: ReturnType<typeof useLive>['latest'], sinceSeq: number, request: Choice['request']): string | undefined {
  const started = events.find((e) => e.seq > sinceSeq && e.type === 'deployment.started' && e.service === request?.service && e.environment === request?.environment);
  return typeof started?.data.deployment === 'string' ? started.data.deployment : undefined;
}
