import type { Kysely } from 'kysely';
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
