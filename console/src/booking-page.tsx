import { useEffect, useRef, useState } from 'preact/hooks';
import { api, message } from './api';
import { BookingActions } from './booking-actions';
import { StateBadge } from './booking-list';
import { HostSteps, StepTable } from './host-steps';
import { STATE_HELP } from './states';
import { safeDetail, when } from './format';
import type { Booking, BookingEvent, Me } from './types';

/** Follows the booking and its events every two seconds, without reloading the page. */
function useBooking(id: string): { booking: Booking | null; events: BookingEvent[]; error: string; refresh: () => void } {
  const [booking, setBooking] = useState<Booking | null>(null);
  const [events, setEvents] = useState<BookingEvent[]>([]);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const last = useRef('0');
  useEffect(() => {
    last.current = '0';
    setEvents([]);
    setBooking(null);
  }, [id]);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        // credentials=leave: looking at a booking must not take its owner's one-time VPN passwords.
        const b = await api<Booking>(`/bookings/${encodeURIComponent(id)}?credentials=leave`);
        const fresh = await api<{ events: BookingEvent[] }>(`/bookings/${encodeURIComponent(id)}/events?after=${last.current}`);
        if (!live) return;
        setBooking(b);
        if (fresh.events.length) {
          last.current = fresh.events[fresh.events.length - 1]!.id;
          setEvents((old) => [...old, ...fresh.events]);
        }
        setError('');
      } catch (err) {
        if (live) setError(message(err));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [id, tick]);
  return { booking, events, error, refresh: () => setTick((t) => t + 1) };
}

export function BookingPage({ id, me }: { id: string; me: Me }) {
  const { booking: b, events, error, refresh } = useBooking(id);
  if (!b) return <section>{error ? <p class="error">{error}</p> : <p>Loading {id}…</p>}</section>;
  return (
    <section class="booking" data-testid="booking" data-state={b.state}>
      <h2>
        {b.id} <StateBadge state={b.state} /> <small>{STATE_HELP[b.state]}</small>
      </h2>
      {error && <p class="error">{error}</p>}
      <dl class="facts">
        <dt>project</dt>
        <dd>{b.project}</dd>
        <dt>owner</dt>
        <dd>{b.owner}</dd>
        <dt>lease</dt>
        <dd>
          {when(b.start)} → {when(b.end)}
        </dd>
        <dt>lab</dt>
        <dd>{b.lab}</dd>
      </dl>
      <BookingActions booking={b} me={me} changed={refresh} />
      {b.error && <p class="error">{`${b.error.type}: ${b.error.message}`}</p>}
      <h3>Networks</h3>
      <table class="list" data-testid="networks">
        <tbody>
          {b.networks.map((n) => (
            <tr key={n.name}>
              <td>{n.name}</td>
              <td>VLAN {n.vlan ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Hosts</h3>
      {b.hosts.map((h) => (
        <HostSteps key={h.name} host={h} />
      ))}
      {b.bookingSteps.length > 0 && (
        <>
          <h3>Booking steps</h3>
          <StepTable steps={b.bookingSteps} testid="booking-steps" />
        </>
      )}
      {b.headnode && (
        <p>
          headnode {b.headnode.name}
          {b.headnode.console && ` · console ${b.headnode.console.type} ${b.headnode.console.host}:${b.headnode.console.port}`}
        </p>
      )}
      {b.access && <p>VPN accounts: {b.access.vpnAccounts.join(', ') || 'none'}</p>}
      {b.cleanup && (
        <>
          <h3>Left to clean up</h3>
          <ul class="leftovers">
            {b.cleanup.leftovers.map((l, i) => (
              <li key={i}>
                {l.host ?? 'booking'} · {l.step}: <span class="error">{`${l.error.type}: ${l.error.message}`}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Events</h3>
      <table class="list events" data-testid="events">
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at, true)}</td>
              <td>{e.kind}</td>
              <td>{[e.host, e.step, e.status].filter(Boolean).join(' · ')}</td>
              <td class="detail">{safeDetail(e.detail)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
