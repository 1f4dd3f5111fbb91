import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/** The allocation side of a booking; its progress lives in Temporal and booking_events. */
export interface BookingsTable {
  /** The dashboard's booking id: the idempotency key. */
  id: string;
  lab_id: number | null;
  project: string | null;
  owner: string | null;
  /** tstzrange literal, e.g. ["2026-11-21 10:00:00+00","2026-11-28 10:00:00+00"). */
  during: string;
  released_at: ColumnType<Date | null, never, Date | null>;
  created_at: ColumnType<Date, never, never>;
}

export type BookingRow = Selectable<BookingsTable>;
export type NewBookingRow = Insertable<BookingsTable>;
export type BookingRowUpdate = Updateable<BookingsTable>;
