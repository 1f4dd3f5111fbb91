import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database';
import { getBookingView } from '../../db/booking-views';
import type { bookingView } from '../schemas/booking-view';
import { presentBooking } from '../present';
import { bookingStatusQuery, bookingWorkflowId } from '../../workflows/definitions';

export type BookingViewJson = z.infer<typeof bookingView>;

/**
 * The one place liblaas reads a booking's state: exactly the JSON of `GET /v1/bookings/:id`
 * (without passwords), or null when there is no such booking. The read model answers; a booking
 * it has not heard of yet (its first bookkeeping has not run) is asked of the booking workflow.
 */
export async function readBookingView(deps: { temporal: Client; db: Kysely<Database> }, id: string): Promise<BookingViewJson | null> {
  const view = await getBookingView(deps.db, id);
  if (view) return view;
  try {
    const status = await deps.temporal.workflow.getHandle(bookingWorkflowId(id)).query(bookingStatusQuery);
    return await presentBooking(status, deps.temporal);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
