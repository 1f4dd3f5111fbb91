import { useState } from 'preact/hooks';
import { api } from './api';
import { ConfirmButton } from './confirm';
import { RELEASABLE } from './states';
import type { Booking, Me } from './types';

const path = (b: Booking, tail = '') => `/bookings/${encodeURIComponent(b.id)}${tail}`;

/** Release and extend (any member of the project); retry/abort a held host and retry cleanup (operators): the CLI's actions. */
export function BookingActions({ booking, me, changed }: { booking: Booking; me: Me; changed: () => void }) {
  const [end, setEnd] = useState('');
  // Kept here, not in the button: a retried host's button goes away as the booking moves on.
  const [last, setLast] = useState('');
  const done = (text: string) => (setLast(text), changed(), text);
  const held = booking.hosts.filter((h) => h.held);
  return (
    <div class="actions" data-testid="actions">
      {RELEASABLE.has(booking.state) && (
        <ConfirmButton label="Release" question={`Release ${booking.id} now? Every step of its ${booking.hosts.length} host(s) is undone.`} run={() => api(path(booking), { method: 'DELETE' }).then(() => done('release requested'))} />
      )}
      {(booking.state === 'active' || booking.state === 'scheduled' || booking.state === 'provisioning') && (
        <ConfirmButton
          label="Extend"
          question={`Move the end of ${booking.id} (now ${booking.end}) to:`}
          run={() => api<{ end: string }>(path(booking, '/extend'), { method: 'POST', body: { end: new Date(end).toISOString() } }).then((r) => done(`ends ${r.end}`))}
        >
          <input type="datetime-local" name="end" value={end} onInput={(e) => setEnd(e.currentTarget.value)} required />
        </ConfirmButton>
      )}
      {me.operator &&
        held.flatMap((h) => [
          <ConfirmButton
            key={`retry-${h.name}`}
            label={`Retry ${h.name}`}
            question={`Run the failed ${h.held!.step} step of ${h.name} again? Fix its cause first.`}
            run={() => api<{ hosts: string[] }>(path(booking, '/retry'), { method: 'POST', body: { action: 'retry', host: h.name } }).then((r) => done(`retrying ${r.hosts.join(', ')}`))}
          />,
          <ConfirmButton
            key={`abort-${h.name}`}
            label={`Abort ${h.name}`}
            question={`Give up on ${h.name}? The booking fails and every step done so far is undone.`}
            run={() => api<{ hosts: string[] }>(path(booking, '/retry'), { method: 'POST', body: { action: 'abort', host: h.name } }).then((r) => done(`aborting ${r.hosts.join(', ')}`))}
          />,
        ])}
      {me.operator && booking.state === 'needs_cleanup' && (
        <ConfirmButton
          label="Retry cleanup"
          question={`Run the failed undos of ${booking.id} again? Fix their cause first.`}
          run={() => api<{ leftovers: unknown[] }>(path(booking, '/cleanup'), { method: 'POST' }).then((r) => done(r.leftovers.length ? `${r.leftovers.length} still left` : 'clean'))}
        />
      )}
      {last && (
        <span class="ok" data-testid="last-action">
          {last}
        </span>
      )}
    </div>
  );
}
