import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface BookingLeftoversTable {
  booking_id: string;
  /** Empty for the booking's own undos (VPN, headnode, allocation). */
  host: string;
  step: string;
  error_type: string;
  error_message: string;
  recorded_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type BookingLeftover = Selectable<BookingLeftoversTable>;
export type NewBookingLeftover = Insertable<BookingLeftoversTable>;
