import { useEffect, useState } from 'preact/hooks';
import { message } from './api';
import { listBookings, type BookingFilter } from './data';
import { STATES, stateLabel } from './states';
import { when } from './format';
import type { BookingSummary } from './types';

export const StateBadge = ({ state }: { state: string }) => <span class={`badge s-${state}`}>{stateLabel(state)}</span>;

/** Bookings of your projects, filtered by state, project, owner and host (the API's own exact filters). */
export function BookingList() {
  const [filter, setFilter] = useState<BookingFilter>({});
  const [bookings, setBookings] = useState<BookingSummary[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const load = () =>
      listBookings(filter).then(
        (b) => live && (setBookings(b), setError('')),
        (err) => live && setError(message(err)),
      );
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [filter]);
  const field = (key: keyof BookingFilter, label: string) => (
    <label>
      {label}
      <input name={key} value={filter[key] ?? ''} onChange={(e) => setFilter({ ...filter, [key]: e.currentTarget.value.trim() || undefined })} />
    </label>
  );
  return (
    <section>
      <h2>Bookings</h2>
      <form class="controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          state
          <select name="state" value={filter.state ?? ''} onChange={(e) => setFilter({ ...filter, state: e.currentTarget.value || undefined })}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {stateLabel(s)}
              </option>
            ))}
          </select>
        </label>
        {field('project', 'project')}
        {field('owner', 'owner')}
        {field('host', 'host')}
      </form>
      {error && <p class="error">{error}</p>}
      <table class="list" data-testid="booking-list">
        <thead>
          <tr>
            <th>booking</th>
            <th>state</th>
            <th>project</th>
            <th>owner</th>
            <th>start</th>
            <th>end</th>
            <th>hosts</th>
          </tr>
        </thead>
        <tbody>
          {bookings?.map((b) => (
            <tr key={b.id} data-booking={b.id}>
              <td>
                <a href={`#/bookings/${encodeURIComponent(b.id)}`}>{b.id}</a>
              </td>
              <td>
                <StateBadge state={b.state} />
              </td>
              <td>{b.project}</td>
              <td>{b.owner}</td>
              <td>{when(b.start)}</td>
              <td>{when(b.end)}</td>
              <td>{b.hosts.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {bookings?.length === 0 && <p class="hint">No bookings match.</p>}
    </section>
  );
}
