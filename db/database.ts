import type { BookingEventsTable } from './tables/booking-events';

export interface Database {
  booking_events: BookingEventsTable;
}
