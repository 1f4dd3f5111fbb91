import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database';
import type { bookingView } from '../schemas/booking-view';
import { presentBooking } from '../present';
import { bookingStatusQuery, bookingWorkflowId } from '../../workflows/definitions';

export type BookingViewJson = z.infer<typeof bookingView>;

/**
 * The one place liblaas reads a booking's state: exactly the JSON of `GET /v1/bookings/:id`
 * (without passwords), or null when there is no such booking. Today it asks the booking workflow;
 * once the read model lands this becomes `getBookingView(db, id)` (db/booking-views.ts).
 */
export async function readBookingView(deps: { temporal: Client; db: Kysely<Database> }, id: string): Promise<BookingViewJson | null> {
  try {
    const status = await deps.temporal.workflow.getHandle(bookingWorkflowId(id)).query(bookingStatusQuery);
    return await presentBooking(status, deps.temporal);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
