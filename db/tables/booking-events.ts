import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface BookingEventsTable {
  id: Generated<string>;
  booking_id: string;
  event_key: string;
  kind: string;
  host: string | null;
  step: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  at: ColumnType<Date, Date | string | undefined, never>;
}

export type BookingEvent = Selectable<BookingEventsTable>;
export type NewBookingEvent = Insertable<BookingEventsTable>;
