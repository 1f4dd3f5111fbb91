import { useEffect, useState } from 'preact/hooks';
import { api, message } from './api';
import { listBookings } from './data';
import { BookingActions } from './booking-actions';
import { StateBadge } from './booking-list';
import { when } from './format';
import type { Booking, Me } from './types';

const ORDER: Record<string, number> = { held: 0, needs_cleanup: 1 };

function failures(b: Booking): string[] {
  const out = b.hosts.flatMap((h) =>
    h.steps.filter((s) => s.status === 'failed' && s.error).map((s) => `${h.name} ${s.step}: ${s.error!.type}: ${s.error!.message}${h.held ? ` (held until ${when(h.held.until)})` : ''}`),
  );
  for (const l of b.cleanup?.leftovers ?? []) out.push(`undo of ${l.host ?? 'booking'} ${l.step} failed: ${l.error.type}: ${l.error.message}`);
  return out;
}

/** Bookings waiting for a person: held ones first, then needs_cleanup leftovers, with what failed and what to do. */
export function Attention({ me }: { me: Me }) {
  const [bookings, setBookings] = useState<Booking[] | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const list = await listBookings({ state: 'held,needs_cleanup' });
        const full = await Promise.all(list.map((b) => api<Booking>(`/bookings/${encodeURIComponent(b.id)}?credentials=leave`)));
        if (live) setBookings(full.sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9)));
        setError('');
      } catch (err) {
        if (live) setError(message(err));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 4000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [tick]);
  return (
    <section>
      <h2>Attention</h2>
      {error && <p class="error">{error}</p>}
      {bookings?.length === 0 && <p class="hint">Nothing waits for an operator.</p>}
      {bookings?.map((b) => (
        <div class="attention" key={b.id} data-booking={b.id}>
          <h3>
            <a href={`#/bookings/${encodeURIComponent(b.id)}`}>{b.id}</a> <StateBadge state={b.state} /> <small>{b.project}/{b.owner}</small>
          </h3>
          <ul>
            {failures(b).map((f) => (
              <li key={f} class="error">
                {f}
              </li>
            ))}
          </ul>
          <p class="hint">
            {b.state === 'held'
              ? 'Fix the cause on the device, then retry the host; or abort it (the booking fails and is undone).'
              : 'Fix the cause on the device, then retry the cleanup (laas cleanup retry).'}
            {!me.operator && ' Only an operator can act on it.'}
          </p>
          <BookingActions booking={b} me={me} changed={() => setTick((t) => t + 1)} />
        </div>
      ))}
    </section>
  );
}
