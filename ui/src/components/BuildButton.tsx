/**
 * The Build button of a service with a source: disabled with the server's reason when the caller may
 * not build; otherwise it asks for a ref (none: the newest tag the source's patterns match), queues
 * the build, and opens it.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { act } from '../api.js';
import { href } from '../hooks.js';
import type { Build, Service } from '../types.js';

export function BuildButton({ service }: { service: Service }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="actions">
      <div className="action">
        <button className={service.buildBlocked ? '' : 'primary'} disabled={service.buildBlocked !== undefined} aria-describedby={service.buildBlocked && 'why-build'} title={service.buildBlocked} onClick={() => setOpen(true)}>
          Build
        </button>
        {service.buildBlocked && (
          <small className="why" id="why-build">
            {service.buildBlocked}
          </small>
        )}
      </div>
      {open && <BuildDialog service={service.name} onClose={() => setOpen(false)} />}
    </div>
  );
}

function BuildDialog({ service, onClose }: { service: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [ref, setRef] = useState('');
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});
  useEffect(() => dialog.current?.showModal(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    try {
      const build = await act<Build>(`/api/v1/services/${encodeURIComponent(service)}/builds`, ref.trim() ? { ref: ref.trim() } : {});
      window.location.hash = href('builds', build.id);
    } catch (error) {
      setState({ error: (error as Error).message });
    }
  };

  return (
    <dialog ref={dialog} className="action-dialog" onClose={onClose} aria-labelledby="build-title">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="build-title">Build {service}?</h2>
        <label className="comment">
          Ref: a tag, branch or commit (empty: the newest tag the source's patterns match)
          <input value={ref} onChange={(e) => setRef(e.target.value)} placeholder="v1.2.3" maxLength={250} autoFocus />
        </label>
        {state.error !== undefined && (
          <p className="outcome bad" role="alert">
            {state.error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={state.busy}>
            {state.busy ? 'Queueing…' : 'Start build'}
          </button>
          <button type="button" onClick={() => dialog.current?.close()} disabled={state.busy}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
