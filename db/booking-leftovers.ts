import type { Kysely } from 'kysely';
import type { Database } from './database';
import type { BookingLeftover } from './tables/booking-leftovers';

export interface LeftoverInput {
  host: string | null;
  step: string;
  error: { type: string; message: string };
}

/** Replace the booking's leftovers with the current list (empty clears them), in one transaction. */
export async function recordLeftovers(db: Kysely<Database>, bookingId: string, leftovers: LeftoverInput[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('booking_leftovers').where('booking_id', '=', bookingId).execute();
    if (!leftovers.length) return;
    await trx
      .insertInto('booking_leftovers')
      .values(leftovers.map((l) => ({ booking_id: bookingId, host: l.host ?? '', step: l.step, error_type: l.error.type, error_message: l.error.message })))
      .onConflict((oc) => oc.columns(['booking_id', 'host', 'step']).doNothing())
      .execute();
  });
}

/** Every booking's leftovers, or one booking's, oldest first. */
export async function listLeftovers(db: Kysely<Database>, bookingId?: string): Promise<BookingLeftover[]> {
  let q = db.selectFrom('booking_leftovers').selectAll().orderBy('recorded_at').orderBy('booking_id');
  if (bookingId) q = q.where('booking_id', '=', bookingId);
  return q.execute();
}
