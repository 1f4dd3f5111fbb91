import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { BookingEvent } from './tables/booking-events';

export interface BookingEventInput {
  bookingId: string;
  /** Unique per booking: the same key twice records one event. */
  key: string;
  kind: string;
  host?: string | undefined;
  step?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export async function appendBookingEvent(db: Kysely<Database>, e: BookingEventInput): Promise<void> {
  await db
    .insertInto('booking_events')
    .values({
      booking_id: e.bookingId,
      event_key: e.key,
      kind: e.kind,
      host: e.host ?? null,
      step: e.step ?? null,
      detail: JSON.stringify(e.detail ?? {}),
    })
    .onConflict((oc) => oc.columns(['booking_id', 'event_key']).doNothing())
    .execute();
}

export async function listBookingEvents(db: Kysely<Database>, bookingId: string, afterId = '0', limit = 500): Promise<BookingEvent[]> {
  return db
    .selectFrom('booking_events')
    .selectAll()
    .where('booking_id', '=', bookingId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * How many attempts of one step failed (as the step itself reported, `step:failed` events) since
 * `sinceMs`, the step's first scheduling. Attempts lost to a worker that died report nothing;
 * those that failed for want of the database are marked `platform` and left out.
 */
export async function countStepFailures(db: Kysely<Database>, q: { bookingId: string; host: string; step: string; sinceMs: number }): Promise<number> {
  const rows = await db
    .selectFrom('booking_events')
    .select('event_key')
    .where('booking_id', '=', q.bookingId)
    .where('kind', '=', 'step:failed')
    .where('step', '=', q.step)
    .where((eb) => (q.host ? eb('host', '=', q.host) : eb('host', 'is', null)))
    // Attempts that failed because the database was away are not the step's failures.
    .where(sql<boolean>`coalesce(detail->>'platform', '') <> 'true'`)
    .execute();
  // The key ends with the attempt's scheduled time (activities/step-recorder.ts).
  return rows.filter((r) => Number(r.event_key.slice(r.event_key.lastIndexOf(':') + 1)) >= q.sinceMs).length;
}
