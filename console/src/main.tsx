import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, clearToken, message, token } from './api';
import type { Me } from './types';
import { Login } from './login';
import { Timeline } from './timeline';
import { BookingList } from './booking-list';
import { BookingPage } from './booking-page';
import { Attention } from './attention';
import './style.css';

/** Hash routes: #/timeline, #/bookings, #/bookings/<id>, #/attention. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash || '#/timeline');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/timeline');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash.slice(1);
}

function Page({ route, me }: { route: string; me: Me }) {
  const booking = /^\/bookings\/(.+)$/.exec(route);
  if (booking) return <BookingPage id={decodeURIComponent(booking[1]!)} me={me} />;
  if (route.startsWith('/bookings')) return <BookingList />;
  if (route.startsWith('/attention')) return <Attention me={me} />;
  return <Timeline />;
}

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState('');
  const route = useRoute();
  useEffect(() => {
    if (token()) api<Me>('/me').then(setMe, (err) => setError(message(err)));
    const out = () => setMe(null);
    window.addEventListener('laas-signed-out', out);
    return () => window.removeEventListener('laas-signed-out', out);
  }, []);
  if (!me) return <Login onSignedIn={setMe} error={error} />;
  const tab = (href: string, label: string) => (
    <a href={`#${href}`} class={route.startsWith(href) ? 'current' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <strong>laas</strong> lab console
        <nav>
          {tab('/timeline', 'Hosts × time')}
          {tab('/bookings', 'Bookings')}
          {tab('/attention', 'Attention')}
        </nav>
        <span class="who" data-testid="who">
          {me.name} · {me.operator ? 'operator' : me.projects ? `projects: ${me.projects.join(', ') || 'none'}` : 'all projects'}
          <button
            class="link"
            onClick={() => {
              clearToken();
              setMe(null);
            }}
          >
            sign out
          </button>
        </span>
      </header>
      <main>
        <Page route={route} me={me} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
