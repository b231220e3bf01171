/** The page frame: who is signed in, the navigation, the live feed, and the page the address names. */
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, read, signIn, signOut } from './api.js';
import { CallerContext, describeCaller } from './caller.js';
import { LiveContext, href, useEventFeed, useRoute } from './hooks.js';
import { BuildPage, BuildsPage } from './pages/BuildsPage.js';
import { DeploymentPage } from './pages/DeploymentPage.js';
import { EventsPage } from './pages/EventsPage.js';
import { MatrixPage } from './pages/MatrixPage.js';
import { ServicePage } from './pages/ServicePage.js';
import type { Caller } from './types.js';

export function App() {
  const [caller, setCaller] = useState<{ data?: Caller; error?: Error }>({});
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    read<Caller>('/api/v1/whoami').then(
      (data) => setCaller({ data }),
      (error: Error) => setCaller({ error }),
    );
  }, [attempt]);
  const live = useEventFeed(caller.data !== undefined);
  const route = useRoute();
  const [signingIn, setSigningIn] = useState(false);
  const signedInAgain = () => {
    setSigningIn(false);
    setAttempt((a) => a + 1);
  };

  if (signingIn) return <SignIn message="Reads are open here; acting needs an API token." onSignedIn={signedInAgain} />;
  const unauthenticated = caller.error instanceof ApiError && caller.error.status === 401;
  // A read that fails once the caller is known (a busy server, a restart) keeps the page and its
  // state; only a refused token, or a server never reached, asks to sign in.
  if (caller.error && (unauthenticated || !caller.data)) {
    return <SignIn message={unauthenticated ? caller.error.message : `The server does not answer: ${caller.error.message}`} onSignedIn={signedInAgain} />;
  }
  if (!caller.data) return <p className="loading">Loading…</p>;
  const signedIn = !('anonymous' in caller.data);

  return (
    <CallerContext.Provider value={caller.data}>
      <LiveContext.Provider value={live}>
        <header className="top">
          <a className="brand" href={href()}>
            Slipway
          </a>
          <nav>
            <a href={href()} aria-current={route.length === 0 ? 'page' : undefined}>
              Environments
            </a>
            <a href={href('builds')} aria-current={route[0] === 'builds' ? 'page' : undefined}>
              Builds
            </a>
            <a href={href('events')} aria-current={route[0] === 'events' ? 'page' : undefined}>
              Events
            </a>
          </nav>
          <span className={`feed ${live.connected ? 'on' : 'off'}`} title={live.connected ? 'live: changes appear as they happen' : 'reconnecting to the event feed…'}>
            {live.connected ? '● live' : '○ reconnecting'}
          </span>
          <span className="who" data-testid="caller">
            {describeCaller(caller.data)}
          </span>
          {!signedIn && (
            <button className="link" onClick={() => setSigningIn(true)}>
              Sign in
            </button>
          )}
          {signedIn && (
            <button
              className="link"
              onClick={() => {
                signOut();
                setAttempt((a) => a + 1);
              }}
            >
              Sign out
            </button>
          )}
        </header>
        <main>
          <Page route={route} />
        </main>
      </LiveContext.Provider>
    </CallerContext.Provider>
  );
}

function Page({ route }: { route: string[] }) {
  const [page, id] = route;
  if (page === 'services' && id) return <ServicePage service={id} />;
  if (page === 'deployments' && id) return <DeploymentPage id={id} />;
  if (page === 'builds' && id) return <BuildPage id={id} />;
  if (page === 'builds') return <BuildsPage />;
  if (page === 'events') return <EventsPage />;
  return <MatrixPage />;
}

function SignIn({ message, onSignedIn }: { message: string; onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn(token);
    onSignedIn();
  };
  return (
    <main className="sign-in">
      <h1>Slipway</h1>
      <p>{message}</p>
      <form onSubmit={submit}>
        <label>
          API token
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="slw_…" autoComplete="off" />
        </label>
        <button type="submit" disabled={!token.trim()}>
          Sign in
        </button>
      </form>
      <p className="hint">
        Open the address <code>slipway up</code> prints, or create a token with <code>slipway token create &lt;name&gt; --role viewer</code>.
      </p>
    </main>
  );
}
